package importer

import (
	"bytes"
	"encoding/csv"
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// Formats of the template.
const (
	CSV  = "csv"
	XLSX = "xlsx"
)

// Translate returns the message id in the template's language; the
// instructions sheet of the XLSX template is written with it.
type Translate func(id string) string

// exampleRows show one unit with its owner and a family member (a unit with
// several people takes one row per person), and a vacant shop.
func exampleRows(zh bool) [][]string {
	l := 1
	if zh {
		l = 0
	}
	k, st, rel := kindNames, statusNames, relationNames
	owner, family := "Zhang Wei", "Li Na"
	if zh {
		owner, family = "张伟", "李娜"
	}
	return [][]string{
		{"1", "1", "15", "1501", k[estate.Home][l], "89.50", st[estate.Occupied][l], owner, "13800138000;021-62345678", rel[estate.OwnerRel][l]},
		{"1", "1", "15", "1501", k[estate.Home][l], "89.50", st[estate.Occupied][l], family, "13900139000", rel[estate.FamilyRel][l]},
		{"A", "", "1", "101", k[estate.Shop][l], "45", st[estate.Vacant][l], "", "", ""},
	}
}

func headerRow(zh bool) []string {
	out := make([]string, numColumns)
	for c := range numColumns {
		if zh {
			out[c] = columnNames[c][0]
		} else {
			out[c] = columnNames[c][1]
		}
	}
	return out
}

// TemplateName is the template's file name in a language.
func TemplateName(lang, format string) string {
	if lang == "en" {
		return "units-import-template." + format
	}
	return "房屋导入模板." + format
}

// Template is the file a user fills in, in lang ("en", else Chinese): the
// header row and example rows; the XLSX adds a sheet of instructions.
func Template(lang, format string, t Translate) ([]byte, error) {
	zh := lang != "en"
	switch format {
	case CSV:
		var buf bytes.Buffer
		// The byte-order mark makes Excel read the file as UTF-8 rather
		// than in the system's code page.
		buf.Write(bomUTF8)
		w := csv.NewWriter(&buf)
		w.UseCRLF = true
		_ = w.Write(headerRow(zh))
		_ = w.WriteAll(exampleRows(zh))
		return buf.Bytes(), w.Error()
	case XLSX:
		return templateXLSX(zh, t)
	}
	return nil, fmt.Errorf("import template: unknown format %q", format)
}

func templateXLSX(zh bool, t Translate) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	data, help := "Units", "Instructions"
	if zh {
		data, help = "房屋", "填写说明"
	}
	if err := f.SetSheetName("Sheet1", data); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return nil, err
	}
	// Text cells keep leading zeros and long phone numbers as typed.
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return nil, err
	}
	widths := [numColumns]float64{10, 8, 8, 10, 8, 10, 10, 14, 28, 8}
	for c := range numColumns {
		col, _ := excelize.ColumnNumberToName(int(c) + 1)
		if err := f.SetColWidth(data, col, col, widths[c]); err != nil {
			return nil, err
		}
		switch c {
		case colBuilding, colEntrance, colNumber, colOwnerPhone:
			if err := f.SetColStyle(data, col, text); err != nil {
				return nil, err
			}
		}
	}
	if err := f.SetSheetRow(data, "A1", ptr(headerRow(zh))); err != nil {
		return nil, err
	}
	if err := f.SetRowStyle(data, 1, 1, bold); err != nil {
		return nil, err
	}
	for i, row := range exampleRows(zh) {
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = v
		}
		if err := f.SetSheetRow(data, fmt.Sprintf("A%d", i+2), &cells); err != nil {
			return nil, err
		}
	}
	if err := f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}

	if _, err := f.NewSheet(help); err != nil {
		return nil, err
	}
	_ = f.SetColWidth(help, "A", "A", 14)
	_ = f.SetColWidth(help, "B", "B", 90)
	if err := f.SetSheetRow(help, "A1", &[]any{t("import.template.column"), t("import.template.meaning")}); err != nil {
		return nil, err
	}
	if err := f.SetRowStyle(help, 1, 1, bold); err != nil {
		return nil, err
	}
	names := headerRow(zh)
	for c := range numColumns {
		if err := f.SetSheetRow(help, fmt.Sprintf("A%d", c+2), &[]any{names[c], t("import.template.help." + columnNames[c][1])}); err != nil {
			return nil, err
		}
	}
	if err := f.SetSheetRow(help, fmt.Sprintf("A%d", numColumns+3), &[]any{"", t("import.template.help.rows")}); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func ptr(xs []string) *[]any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return &out
}
