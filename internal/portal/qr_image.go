package portal

import (
	"image"
	"image/color"
	"image/draw"
)

// quietZone centres img on a white square of size pixels.
func quietZone(img image.Image, size int) image.Image {
	out := image.NewGray(image.Rect(0, 0, size, size))
	draw.Draw(out, out.Bounds(), &image.Uniform{C: color.White}, image.Point{}, draw.Src)
	b := img.Bounds()
	off := image.Pt((size-b.Dx())/2, (size-b.Dy())/2)
	draw.Draw(out, b.Add(off), img, b.Min, draw.Src)
	return out
}
