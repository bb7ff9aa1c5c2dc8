package pdf

import (
	"bytes"
	"strings"
	"testing"

	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/pdf/pdftest"
	"github.com/estatedesk/estatedesk/web"
)

func translator(t testing.TB, lang string) T {
	cat, err := i18n.Load(web.FS)
	if err != nil {
		t.Fatal(err)
	}
	return func(id string, data map[string]any) string { return cat.T(lang, id, data) }
}

func sampleReceipt() *Receipt {
	return &Receipt{
		Company: "上海锦绣物业管理有限公司", Estate: "锦绣花园", Unit: "3号楼-2-1201", Payer: "张喆",
		ReceiptNo: "SK2026-000123", PaidAt: "2026年3月5日 10:24", Method: "现金", Cashier: "李娜",
		Lines: []ReceiptLine{
			{Item: "物业服务费", Period: "2026-01", AmountFen: 41150},
			{Item: "物业服务费", Period: "2026-02", AmountFen: 41150},
			{Item: "车位管理费", Period: "2026-Q1", AmountFen: 36000},
		},
		PrepaidFen: 5000, TotalFen: 123450, Print: 1, PrintedAt: "2026年3月5日 10:24",
	}
}

// The receipt's text as a reader copies it: the number, the unit, the
// amount in figures and in capitals, the payer's rare character (from a
// rare face) — and 副本 only from the second print on, 作废 only when
// voided (the text says so; the large stamp across the page is drawn
// diagonally, which pdftotext leaves out).
func TestRenderReceipt(t *testing.T) {
	tr := translator(t, "zh-CN")
	r := sampleReceipt()
	var b bytes.Buffer
	if err := RenderReceipt(&b, r, tr); err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(t, b.Bytes())
	pdftest.Contains(t, text, "收款收据", "上海锦绣物业管理有限公司", "SK2026-000123", "3号楼-2-1201", "张喆", "¥1,234.50",
		"壹仟贰佰叁拾肆元伍角整", "车位管理费", "2026-Q1", "¥360.00", "预存款", "¥50.00", "现金", "李娜")
	for _, no := range []string{"副本", "作废"} {
		if strings.Contains(text, no) {
			t.Errorf("the original says %s", no)
		}
	}

	r.Print, r.Voided, r.VoidedAt, r.VoidReason = 2, true, "2026年3月6日 09:00", "收款方式录错"
	b.Reset()
	if err := RenderReceipt(&b, r, tr); err != nil {
		t.Fatal(err)
	}
	pdftest.Contains(t, pdftest.Text(t, b.Bytes()), "副本", "第 2 次打印", "作废", "收款方式录错")

	// A receipt of many bills goes on over pages, each marked a copy.
	long := *r
	for range 40 {
		long.Lines = append(long.Lines, ReceiptLine{Item: "水费", Period: "2025-01", AmountFen: 100})
	}
	long.TotalFen += 4000
	b.Reset()
	if err := RenderReceipt(&b, &long, tr); err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(strings.TrimRight(pdftest.Text(t, b.Bytes()), "\f"), "\f")
	if len(pages) < 2 {
		t.Fatalf("40 more lines on %d page", len(pages))
	}
	for i, p := range pages {
		pdftest.Contains(t, p, "副本", "第 2 次打印")
		if i == len(pages)-1 {
			pdftest.Contains(t, p, "壹仟贰佰柒拾肆元伍角整", "作废")
		}
	}

	// In English the words change; the amount in capitals stays Chinese,
	// as the law of receipts has it.
	b.Reset()
	if err := RenderReceipt(&b, r, translator(t, "en")); err != nil {
		t.Fatal(err)
	}
	pdftest.Contains(t, pdftest.Text(t, b.Bytes()), "RECEIPT", "COPY", "This receipt is void", "Total in words (RMB): 壹仟贰佰叁拾肆元伍角整", "Cashier: 李娜")
}

// BenchmarkReceiptPDF renders the sample receipt, fonts included: the
// figure docs/benchmarks.md records (target ≤ 20 ms). "common" is the
// usual receipt, every character in the common face; "rare" names a payer
// whose name needs the rare face too.
func BenchmarkReceiptPDF(b *testing.B) {
	tr := translator(b, "zh-CN")
	for _, c := range []struct{ name, payer string }{{"common", "张伟"}, {"rare", "张喆"}} {
		b.Run(c.name, func(b *testing.B) {
			r := sampleReceipt()
			r.Payer = c.payer
			var out bytes.Buffer
			for b.Loop() {
				out.Reset()
				if err := RenderReceipt(&out, r, tr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.Len()), "bytes")
		})
	}
}
