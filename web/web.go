// Package web embeds what the browser gets: templates, static assets and the
// translation files.
package web

import "embed"

// FS holds templates/, static/ and locales/.
//
//go:embed templates static locales
var FS embed.FS
