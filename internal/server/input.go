package server

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// inputError refuses a request whose text holds a control character or
// bytes that are not UTF-8, naming the field.
type inputError struct{ field string }

func (e *inputError) Error() string { return "control character or invalid UTF-8 in " + e.field }

func (e *inputError) MessageData() map[string]any { return map[string]any{"Field": e.field} }

// badRune: PostgreSQL refuses NUL in text outright, and no field of ours
// means any other C0 control; tabs and line breaks are text.
func badRune(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r'
}

// cleanText reports whether s is UTF-8 text without a forbidden control.
func cleanText(s []byte) bool {
	return utf8.Valid(s) && bytes.IndexFunc(s, badRune) < 0
}

// searchArg is the query parameter of every search box (the top search,
// the queues and their exports, intake lookup, the console's tenants):
// what a search cannot use is dropped from it rather than refused.
const searchArg = "q"

// checkInput is the one gate for the text of every request: query
// parameters, form fields (URL-encoded and multipart) and the string
// values of a JSON body. A forbidden control character or bytes that are
// not UTF-8 are refused with a 422 naming the field, before any handler
// or database sees them; in a search term they become spaces. File
// contents and names are not text here: uploads keep their bytes and get
// a safe stored name.
func (s *Server) checkInput(c *fiber.Ctx) error {
	req := c.Request()
	args := req.URI().QueryArgs()
	var bad string
	var search [][]byte
	args.VisitAll(func(k, v []byte) {
		if cleanText(v) {
			return
		}
		if string(k) == searchArg {
			search = append(search, v)
		} else if bad == "" {
			bad = string(k)
		}
	})
	if bad != "" {
		return &inputError{field: bad}
	}
	if len(search) > 0 {
		args.Del(searchArg)
		for _, v := range search {
			args.Add(searchArg, searchText(v))
		}
	}
	if safeMethod(c.Method()) {
		return c.Next()
	}
	ctype := string(req.Header.ContentType())
	switch {
	case strings.HasPrefix(ctype, fiber.MIMEApplicationForm):
		req.PostArgs().VisitAll(func(k, v []byte) {
			if bad == "" && !cleanText(v) {
				bad = string(k)
			}
		})
	case strings.HasPrefix(ctype, fiber.MIMEMultipartForm):
		// The handler reads the same parsed form: fasthttp keeps it.
		if form, err := c.MultipartForm(); err == nil {
			for k, vs := range form.Value {
				for _, v := range vs {
					if bad == "" && !cleanText([]byte(v)) {
						bad = k
					}
				}
			}
		}
	case strings.HasPrefix(ctype, fiber.MIMEApplicationJSON):
		// Raw controls are not valid JSON (the handler answers 400); only
		// \u00XX escapes can carry one, and a body without one is spared
		// the walk.
		if body := req.Body(); bytes.Contains(body, []byte(`\u00`)) {
			bad = jsonBadField(body)
		}
	}
	if bad != "" {
		return &inputError{field: bad}
	}
	return c.Next()
}

// searchText is a search term with its controls and broken bytes as
// spaces.
func searchText(v []byte) string {
	return strings.Map(func(r rune) rune {
		if badRune(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(v), " "))
}

// headerText is a header's value without controls or bytes that are not
// UTF-8.
func headerText(v string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(v, ""))
}

// jsonBadField walks a JSON document and names the first string value
// with a forbidden control, by its path ("rules.0.name"); "" when there is
// none or the document does not decode (the handler refuses it then).
func jsonBadField(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	// One frame per open object or array: in an object, key is the name
	// of the value being read and expectKey says a key comes next; in an
	// array, index counts the values.
	type frame struct {
		array     bool
		key       string
		index     int
		expectKey bool
	}
	var stack []frame
	path := func() string {
		parts := make([]string, len(stack))
		for i, f := range stack {
			if f.array {
				parts[i] = strconv.Itoa(f.index)
			} else {
				parts[i] = f.key
			}
		}
		return strings.Join(parts, ".")
	}
	// valueDone moves the enclosing frame past the value just read.
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].expectKey = true
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil { // io.EOF, or a body the handler refuses
			return ""
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, frame{expectKey: true})
			case '[':
				stack = append(stack, frame{array: true})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].expectKey {
				stack[n-1].key, stack[n-1].expectKey = v, false
				continue
			}
			if strings.IndexFunc(v, badRune) >= 0 {
				if p := path(); p != "" {
					return p
				}
				return "body"
			}
			valueDone()
		default:
			valueDone()
		}
	}
}
