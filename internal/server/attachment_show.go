package server

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// attachmentShow streams a ticket's file to those who may see the ticket.
// Photos and PDFs open in the browser, anything else downloads; the type
// is the one sniffed at upload, never the client's word, and nosniff keeps
// the browser to it.
func (s *Server) attachmentShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "attachment")
	if err != nil {
		return err
	}
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	at, f, err := s.Tickets.OpenAttachment(c.UserContext(), tenantOf(c).ID, a, id)
	if err != nil {
		return err
	}
	disposition := "attachment"
	if at.IsImage() || at.ContentType == "application/pdf" {
		disposition = "inline"
	}
	etag := `"` + at.SHA256 + `"`
	c.Set(fiber.HeaderContentType, at.ContentType)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(disposition, at.Filename))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	// The bytes of an attachment never change; who may see them can, so
	// only the user's own browser keeps them, and not for long.
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	c.Set(fiber.HeaderETag, etag)
	if at.SHA256 != "" && c.Get(fiber.HeaderIfNoneMatch) == etag {
		f.Close()
		return c.SendStatus(fiber.StatusNotModified)
	}
	// fasthttp closes the file once it is sent.
	return c.SendStream(f, int(at.Size))
}

// contentDisposition writes the header of RFC 6266: an ASCII fallback
// name for old clients and the UTF-8 name (filename*, RFC 8187) for the
// rest, so that 报修照片.jpg keeps its name.
func contentDisposition(kind, name string) string {
	var fallback, encoded strings.Builder
	for _, r := range name {
		if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' && r != '%' {
			fallback.WriteRune(r)
		} else {
			fallback.WriteByte('_')
		}
	}
	const attrChar = "!#$&+-.^_`|~"
	for _, b := range []byte(name) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte(attrChar, b) >= 0 {
			encoded.WriteByte(b)
		} else {
			encoded.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(b)|0x100, 16)[1:]))
		}
	}
	return kind + `; filename="` + fallback.String() + `"; filename*=UTF-8''` + encoded.String()
}
