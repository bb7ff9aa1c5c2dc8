package importer

import (
	"strings"
	"unicode"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// column is one field the importer understands.
type column int

const (
	colBuilding column = iota
	colEntrance
	colFloor
	colNumber
	colKind
	colArea
	colStatus
	colOwnerName
	colOwnerPhone
	colRelation
	numColumns
)

// columnNames are the headers of the template: Chinese, then English.
var columnNames = [numColumns][2]string{
	colBuilding:   {"楼栋", "building"},
	colEntrance:   {"单元", "entrance"},
	colFloor:      {"楼层", "floor"},
	colNumber:     {"房号", "number"},
	colKind:       {"类型", "kind"},
	colArea:       {"面积", "area"},
	colStatus:     {"状态", "status"},
	colOwnerName:  {"业主姓名", "owner_name"},
	colOwnerPhone: {"业主电话", "owner_phone"},
	colRelation:   {"关系", "relation"},
}

// required columns must be in the header; the others have defaults.
var required = []column{colBuilding, colFloor, colNumber, colArea}

// aliases are other headers people write for the same column, besides
// columnNames. They are compared after normalizeHeader.
var aliases = map[column][]string{
	colBuilding:   {"楼号", "栋", "楼栋号", "楼宇", "楼栋名称", "bldg", "tower"},
	colEntrance:   {"单元号", "门洞", "unit entrance"},
	colFloor:      {"层", "所在楼层", "level"},
	colNumber:     {"房间号", "门牌号", "户号", "房屋编号", "room", "unit", "unit number", "room number"},
	colKind:       {"房屋类型", "用途", "type", "unit type"},
	colArea:       {"建筑面积", "面积㎡", "area m2", "floor area"},
	colStatus:     {"房屋状态", "unit status"},
	colOwnerName:  {"业主", "姓名", "联系人", "owner", "name", "owner name"},
	colOwnerPhone: {"电话", "手机", "手机号", "手机号码", "联系电话", "业主手机", "phone", "mobile", "owner phone", "phones"},
	colRelation:   {"身份", "与房屋关系", "relationship", "role"},
}

var headerIndex = func() map[string]column {
	m := map[string]column{}
	for c := range numColumns {
		for _, n := range columnNames[c] {
			m[normalizeHeader(n)] = c
		}
		for _, n := range aliases[c] {
			m[normalizeHeader(n)] = c
		}
	}
	return m
}()

// normalizeHeader lowercases a header and drops what people add around a
// name: spaces, underscores, asterisks marking required columns, and a unit
// in brackets ("面积（㎡）", "Area (m²)").
func normalizeHeader(s string) string {
	s = strings.ToLower(clean(s))
	if i := strings.IndexAny(s, "(（[【"); i > 0 {
		s = s[:i]
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '_' || r == '-' || r == '*' || r == '＊' || r == ':' || r == '：' {
			return -1
		}
		return r
	}, s)
}

// header is the file's first row mapped onto columns.
type header struct {
	index [numColumns]int    // cell index of each column, -1 if absent
	names [numColumns]string // header cell as written
	zh    bool               // the header is mostly Chinese
}

// name is how the file calls a column: its own header cell, or for a
// missing column the template's name in the file's language.
func (h *header) name(c column) string {
	if h.names[c] != "" {
		return h.names[c]
	}
	if h.zh {
		return columnNames[c][0]
	}
	return columnNames[c][1]
}

// parseHeader maps header cells to columns; unknown cells are ignored and
// listed.
func parseHeader(cells []string, rep *Report) (*header, bool) {
	h := &header{}
	for c := range h.index {
		h.index[c] = -1
	}
	zh, en := 0, 0
	ok := true
	for i, cell := range cells {
		if cell == "" {
			continue
		}
		c, known := headerIndex[normalizeHeader(cell)]
		if !known {
			rep.Ignored = append(rep.Ignored, cell)
			continue
		}
		if hasHan(cell) {
			zh++
		} else {
			en++
		}
		if h.index[c] >= 0 {
			rep.add(Problem{Row: 1, Column: cell, Code: CodeDuplicateColumn})
			ok = false
			continue
		}
		h.index[c], h.names[c] = i, cell
	}
	h.zh = zh >= en
	for _, c := range required {
		if h.index[c] < 0 {
			rep.add(Problem{Row: 1, Column: h.name(c), Code: CodeMissingColumn})
			ok = false
		}
	}
	return h, ok
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Vocabularies: the Chinese and English words a file may use, lowercased.
var (
	kindWords = map[string]estate.UnitKind{
		"住宅": estate.Home, "home": estate.Home, "住房": estate.Home, "residential": estate.Home, "residence": estate.Home,
		"商铺": estate.Shop, "shop": estate.Shop, "商业": estate.Shop, "店铺": estate.Shop, "门面": estate.Shop, "retail": estate.Shop,
		"办公": estate.Office, "office": estate.Office, "写字楼": estate.Office,
		"车位": estate.Parking, "parking": estate.Parking, "停车位": estate.Parking, "车库": estate.Parking,
	}
	statusWords = map[string]estate.UnitStatus{
		"空置": estate.Vacant, "vacant": estate.Vacant, "空房": estate.Vacant, "未入住": estate.Vacant,
		"已入住": estate.Occupied, "occupied": estate.Occupied, "入住": estate.Occupied, "在住": estate.Occupied,
		"装修中": estate.Renovating, "renovating": estate.Renovating, "装修": estate.Renovating,
	}
	relationWords = map[string]estate.Relation{
		"业主": estate.OwnerRel, "owner": estate.OwnerRel, "产权人": estate.OwnerRel,
		"住户": estate.ResidentRel, "resident": estate.ResidentRel,
		"家属": estate.FamilyRel, "family": estate.FamilyRel, "家庭成员": estate.FamilyRel,
		"租户": estate.RenterRel, "renter": estate.RenterRel, "tenant": estate.RenterRel, "租客": estate.RenterRel,
	}
)

// Template words: how the template and its instructions name the values.
var (
	kindNames     = map[estate.UnitKind][2]string{estate.Home: {"住宅", "home"}, estate.Shop: {"商铺", "shop"}, estate.Office: {"办公", "office"}, estate.Parking: {"车位", "parking"}}
	statusNames   = map[estate.UnitStatus][2]string{estate.Vacant: {"空置", "vacant"}, estate.Occupied: {"已入住", "occupied"}, estate.Renovating: {"装修中", "renovating"}}
	relationNames = map[estate.Relation][2]string{estate.OwnerRel: {"业主", "owner"}, estate.ResidentRel: {"住户", "resident"}, estate.FamilyRel: {"家属", "family"}, estate.RenterRel: {"租户", "renter"}}
)
