package server

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/pdf"
)

// reportPDF: a report as an A4 PDF with its charts, shown in the browser
// to print or save.
func (s *Server) reportPDF(c *fiber.Ctx) error {
	r, err := s.reportOf(c)
	if err != nil {
		return err
	}
	meta := pdf.ReportMeta{Generated: pdfTime(c, r.GeneratedAt), Commentary: r.Commentary, Author: r.CommentaryAuthor}
	tr := s.pdfT(c)
	return sendPDF(c, tr("report.pdf.file", nil)+"-"+r.Name+"-"+r.Month, func(b *bytes.Buffer) error {
		return pdf.RenderReport(b, r.Data, meta, tr)
	})
}
