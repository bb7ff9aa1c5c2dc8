// Package filename makes the name a client gives an uploaded file safe to
// store and to show: ticket attachments and import files keep it for
// display and for the download's Content-Disposition, never as a path.
package filename

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRunes bounds a stored name.
const MaxRunes = 100

// Clean returns the base name of name (a browser on Windows may send
// C:\Users\…\photo.jpg) without control, formatting (a right-to-left
// override can disguise "gpj.exe") or quote characters and bytes that are
// not UTF-8, at most MaxRunes long with its extension kept. A name left
// empty, or only dots ("." and ".." name directories, not files), becomes
// fallback.
func Clean(name, fallback string) string {
	name = path.Base(strings.ReplaceAll(strings.ToValidUTF8(name, ""), `\`, "/"))
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name))
	if strings.Trim(name, ".") == "" || name == "/" {
		return fallback
	}
	if r := []rune(name); len(r) > MaxRunes {
		ext := []rune(path.Ext(name))
		if len(ext) > 16 {
			ext = nil
		}
		name = string(r[:MaxRunes-len(ext)]) + string(ext)
	}
	return name
}
