package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/estatedesk/estatedesk/internal/pdf/pdftest"
)

// A statement carries every section with the running balance; a long one
// goes on over numbered pages.
func TestRenderStatement(t *testing.T) {
	s := &Statement{Company: "上海锦绣物业管理有限公司", Estate: "锦绣花园", Unit: "3号楼-2-1201", Owner: "王芳", Date: "2026年3月31日",
		OpenFen: 41150, BalanceFen: 0,
		Entries: []StatementEntry{
			{Date: "2026-03-01 00:00", Text: "物业服务费 2026-03", ChargeFen: 41150, BalanceFen: 41150},
		},
		Bills:     []StatementBill{{Period: "2026-03", Item: "物业服务费", Due: "2026-03-15", Status: "未缴", AmountFen: 41150, OpenFen: 41150}},
		Movements: []StatementMovement{{Date: "2026-02-01 09:30", Kind: "预存", Ref: "SK2026-000007", AmountFen: 10000, BalanceFen: 10000}},
	}
	for i := range 60 {
		s.Entries = append(s.Entries, StatementEntry{Date: "2026-03-02 10:00", Text: "收款 SK2026-" + strings.Repeat("0", 4) + string(rune('0'+i%10)), CreditFen: 100, BalanceFen: 41050})
	}
	var b bytes.Buffer
	if err := RenderStatement(&b, s, translator(t, "zh-CN")); err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(t, b.Bytes())
	pdftest.Contains(t, text, "对账单", "3号楼-2-1201", "王芳", "欠费合计：¥411.50", "物业服务费 2026-03",
		"¥411.50", "预存", "SK2026-000007", "¥100.00")
	pages := strings.Split(strings.TrimRight(text, "\f"), "\f")
	if len(pages) < 2 {
		t.Fatalf("%d pages", len(pages))
	}
	for i, p := range pages {
		pdftest.Contains(t, p, fmt.Sprintf("第 %d 页 / 共 %d 页", i+1, len(pages)))
	}
}

// One letter a page, each with its owner, bills, days overdue and total
// in capitals.
func TestRenderLetters(t *testing.T) {
	letters := []Letter{
		{Company: "上海锦绣物业管理有限公司", Estate: "锦绣花园", Address: "浦东新区锦绣路 1 号", Phone: "021-62345670", Unit: "1号楼-101", Owner: "张伟", Date: "2026年4月1日",
			Lines:    []LetterLine{{Item: "物业服务费", Period: "2026-01", Due: "2026-01-15", OpenFen: 41150, Days: 76}, {Item: "物业服务费", Period: "2026-02", Due: "2026-02-15", OpenFen: 41150, Days: 45}},
			TotalFen: 82300},
		{Company: "上海锦绣物业管理有限公司", Estate: "锦绣花园", Unit: "1号楼-102", Date: "2026年4月1日",
			Lines: []LetterLine{{Item: "车位管理费", Period: "2026-Q1", Due: "2026-01-15", OpenFen: 100000, Days: 76}}, TotalFen: 100000},
	}
	var b bytes.Buffer
	if err := RenderLetters(&b, letters, translator(t, "zh-CN")); err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(t, b.Bytes())
	pages := strings.Split(text, "\f")
	if len(pages) < 2 || strings.TrimSpace(pages[len(pages)-1]) == "" && len(pages) != 3 {
		t.Fatalf("%d pages", len(pages))
	}
	pdftest.Contains(t, pages[0], "催缴通知书", "尊敬的 张伟 业主", "1号楼-101", "2026-01-15", "76", "¥823.00", "捌佰贰拾叁元整", "021-62345670")
	pdftest.Contains(t, pages[1], "尊敬的 1号楼-102 业主", "车位管理费", "壹仟元整")
}
