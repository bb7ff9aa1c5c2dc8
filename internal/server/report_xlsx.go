package server

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/report"
)

// reportXLSX: a report's tables as a workbook, one sheet each, numbers as
// numbers.
func (s *Server) reportXLSX(c *fiber.Ctx) error {
	r, err := s.reportOf(c)
	if err != nil {
		return err
	}
	tr := s.pdfT(c)
	var b bytes.Buffer
	if err := report.WriteXLSX(&b, r, report.T(tr)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	importDownload(c, tr("report.pdf.file", nil)+"-"+r.Name+"-"+r.Month+".xlsx")
	return c.Send(b.Bytes())
}
