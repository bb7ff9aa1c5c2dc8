package portal

import (
	"bytes"
	"image/png"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	"github.com/gofiber/fiber/v2"
)

// qrSize is the QR code's width in pixels: sharp when printed on an A4
// poster for the lobby.
const qrSize = 600

// qrCode is a PNG of the company's portal address, for the lobby or a
// message; anyone may fetch it, it says only what the link says.
func (p *Portal) qrCode(c *fiber.Ctx) error {
	b, err := qrPNG(p.Config.BaseURL + base(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	c.Type("png")
	return c.Send(b)
}

// qrPNG encodes text as a QR code (error correction M: a poster survives
// some wear) of qrSize pixels with its quiet zone.
func qrPNG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	// Four modules of white around it, as readers need.
	n := code.Bounds().Dx()
	scaled, err := barcode.Scale(code, qrSize*n/(n+8), qrSize*n/(n+8))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, quietZone(scaled, qrSize)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
