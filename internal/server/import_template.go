package server

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate/importer"
	"github.com/estatedesk/estatedesk/internal/i18n"
)

// importTemplate serves the file to fill in, as CSV or XLSX (by the
// path's extension), in ?lang= or the user's language.
func (s *Server) importTemplate(c *fiber.Ctx) error {
	format := importer.CSV
	if strings.HasSuffix(c.Path(), ".xlsx") {
		format = importer.XLSX
	}
	lang := c.Query("lang")
	if !i18n.Supported(lang) {
		lang = langOf(c)
	}
	b, err := importer.Template(lang, format, func(id string) string { return s.Catalog.T(lang, id, nil) })
	if err != nil {
		return err
	}
	if format == importer.XLSX {
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	} else {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	}
	importDownload(c, importer.TemplateName(lang, format))
	return c.Send(b)
}

// importDownload names a download; the ASCII fallback serves old clients.
func importDownload(c *fiber.Ctx, name string) { download(c, "attachment", name) }

// download names the file a response is, shown (inline) or saved
// (attachment), with an ASCII fallback for old clients.
func download(c *fiber.Ctx, disposition, name string) {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	c.Set(fiber.HeaderContentDisposition, disposition+`; filename="`+ascii+`"; filename*=UTF-8''`+url.PathEscape(name))
	c.Set(fiber.HeaderCacheControl, "no-store")
}
