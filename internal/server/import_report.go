package server

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// importReport downloads an import's problems as a CSV (UTF-8 with a
// byte-order mark, which Excel needs) in the reader's language, to work
// through beside the file.
func (s *Server) importReport(c *fiber.Ctx) error {
	id, err := pathUUID(c, "import")
	if err != nil {
		return err
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	im, err := s.Imports.Get(c.UserContext(), tenantOf(c).ID, sc, id)
	if err != nil {
		return err
	}
	lang := langOf(c)
	v := s.importView(c, im)
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	t := func(id string) string { return s.Catalog.T(lang, id, nil) }
	_ = w.Write([]string{t("import.row"), t("import.column"), t("import.value"), t("import.reason")})
	for _, p := range v.Problems {
		row := t("import.whole_file")
		if p.Row > 0 {
			row = strconv.Itoa(p.Row)
		}
		_ = w.Write([]string{row, sheetSafe(p.Column), sheetSafe(p.Value), p.Message})
	}
	if v.MoreProblems > 0 {
		_ = w.Write([]string{"", "", "", s.Catalog.T(lang, "import.more", map[string]any{"More": v.MoreProblems})})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	importDownload(c, "import-report-"+im.ID.String()+".csv")
	return c.Send(buf.Bytes())
}

// sheetSafe keeps a cell copied from the uploaded file from running as a
// formula when the report is opened in a spreadsheet.
func sheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
