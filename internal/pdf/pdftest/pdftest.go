// Package pdftest reads the text of a PDF in tests, through pdftotext
// (Debian's poppler-utils, which .ci/run installs).
package pdftest

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Text is the text of a PDF, page by page as pdftotext lays it out. Where
// pdftotext is missing the test is skipped — except in CI, where that is
// a failure.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.60q", pdf)
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing (apt-get install poppler-utils)")
		}
		t.Skip("pdftotext is missing (apt-get install poppler-utils)")
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, stderr.String())
	}
	return out.String()
}

// Contains fails the test for each of want that the text lacks, spaces
// aside: the layout spaces runs of text as their widths fall.
func Contains(t testing.TB, text string, want ...string) {
	t.Helper()
	squeezed := strings.Join(strings.Fields(text), "")
	for _, w := range want {
		if !strings.Contains(squeezed, strings.Join(strings.Fields(w), "")) {
			t.Errorf("the PDF lacks %q; its text:\n%s", w, text)
		}
	}
}
