// Package i18n loads the translation files of web/locales and formats
// dates and numbers for a language. Chinese (zh-CN) is the default.
package i18n

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Languages the product speaks, the default first.
var Languages = []string{"zh-CN", "en"}

// Default is the language of a visitor who said nothing.
const Default = "zh-CN"

// Catalog is the loaded translations.
type Catalog struct {
	bundle     *goi18n.Bundle
	localizers map[string]*goi18n.Localizer
	printers   map[string]*message.Printer
	matcher    language.Matcher
	plain      sync.Map // lang+"\x00"+id → string, for messages without data
}

// Load reads every locales/*.yaml of fsys.
func Load(fsys fs.FS) (*Catalog, error) {
	b := goi18n.NewBundle(language.MustParse(Default))
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	files, err := fs.Glob(fsys, "locales/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		if _, err := b.ParseMessageFileBytes(data, path.Base(f)); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
	}
	c := &Catalog{bundle: b, localizers: map[string]*goi18n.Localizer{}, printers: map[string]*message.Printer{}}
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.MustParse(l)
		c.localizers[l] = goi18n.NewLocalizer(b, l)
		c.printers[l] = message.NewPrinter(tags[i])
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Match picks the best supported language for an Accept-Language header.
func (c *Catalog) Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return Default
	}
	return Languages[i]
}

// T translates message id into lang with template data. A missing message
// shows its ID, which a test over every template catches.
func (c *Catalog) T(lang, id string, data map[string]any) string {
	// Pages translate dozens of fixed labels per request; go-i18n executes
	// a template for each, so the data-free ones are remembered.
	if data == nil {
		key := lang + "\x00" + id
		if s, ok := c.plain.Load(key); ok {
			return s.(string)
		}
		s := c.localize(lang, id, nil)
		c.plain.Store(key, s)
		return s
	}
	return c.localize(lang, id, data)
}

func (c *Catalog) localize(lang, id string, data map[string]any) string {
	l, ok := c.localizers[lang]
	if !ok {
		l = c.localizers[Default]
	}
	s, err := l.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// Has reports whether id exists in lang.
func (c *Catalog) Has(lang, id string) bool {
	_, err := c.localizers[lang].Localize(&goi18n.LocalizeConfig{MessageID: id})
	return err == nil
}

// Number formats an integer with the language's grouping.
func (c *Catalog) Number(lang string, n int64) string {
	p, ok := c.printers[lang]
	if !ok {
		p = c.printers[Default]
	}
	return p.Sprintf("%d", n)
}

// Date formats a day in the language's usual form.
func Date(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if strings.HasPrefix(lang, "zh") {
		return t.Format("2006年1月2日")
	}
	return t.Format("2 Jan 2006")
}

// DateTime formats an instant to the minute.
func DateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if strings.HasPrefix(lang, "zh") {
		return t.Format("2006年1月2日 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}
