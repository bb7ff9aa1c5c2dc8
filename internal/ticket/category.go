package ticket

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Category is a node of the tenant's category tree (e.g. 维修 › 水电 › 漏水).
type Category struct {
	bun.BaseModel `bun:"table:ticket_categories"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	ParentID   *uuid.UUID `bun:"parent_id,type:uuid" json:"parent_id"`
	Name       string     `bun:"name,notnull" json:"name"`
	SortOrder  int        `bun:"sort_order,notnull" json:"sort_order"`
	ArchivedAt *time.Time `bun:"archived_at" json:"archived_at,omitempty"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
	// StaffComplaint marks complaints about staff (服务 › 态度): with its
	// subcategories, only roles with ticket:sensitive see them.
	StaffComplaint bool `bun:"staff_complaint,notnull" json:"staff_complaint"`
	// Minor marks minor repairs (零星维修), with its subcategories: the
	// repairs 零修及时率 counts (docs/kpis.md).
	Minor bool `bun:"minor,notnull" json:"minor"`

	// Path is the names from the root, "维修 › 水电 › 漏水"; filled by Tree.
	Path string `bun:"-" json:"path"`
	// Depth is 0 for a root.
	Depth int `bun:"-" json:"depth"`
}

// MaxCategoryName bounds a category name, in characters.
const MaxCategoryName = 30

// defaultTree is the tree every tenant starts with: what the service
// centers of Chinese estates sort their requests by.
var defaultTree = []struct {
	name     string
	children []string
}{
	{"维修", []string{"水电", "漏水", "门窗", "电梯", "公共设施", "消防"}},
	{"保洁", []string{"公共区域", "垃圾清运", "虫害"}},
	{"安全", []string{"门禁", "车辆停放", "可疑人员"}},
	{"绿化", []string{"修剪", "病虫害"}},
	{"邻里", []string{"噪音", "宠物", "违规装修"}},
	{"收费", []string{"物业费", "水电费", "停车费"}},
	{"服务", []string{"态度", "效率"}},
	{"其他", nil},
}

// defaultStaffComplaint is the category of the default tree that is a
// complaint about staff.
var defaultStaffComplaint = [2]string{"服务", "态度"}

// Tree is the categories of a tenant in display order, each after its
// parent, with paths and depths filled in.
type Tree []Category

// ByID finds a category of the tree.
func (tr Tree) ByID(id uuid.UUID) *Category {
	for i := range tr {
		if tr[i].ID == id {
			return &tr[i]
		}
	}
	return nil
}

// Ancestry is id followed by its ancestors up to the root.
func (tr Tree) Ancestry(id uuid.UUID) []uuid.UUID {
	var out []uuid.UUID
	for c := tr.ByID(id); c != nil && len(out) < 16; {
		out = append(out, c.ID)
		if c.ParentID == nil {
			break
		}
		c = tr.ByID(*c.ParentID)
	}
	return out
}

// StaffComplaint reports whether a category, or one above it, is a
// complaint about staff; false for none.
func (tr Tree) StaffComplaint(id *uuid.UUID) bool {
	if id == nil {
		return false
	}
	for _, a := range tr.Ancestry(*id) {
		if c := tr.ByID(a); c != nil && c.StaffComplaint {
			return true
		}
	}
	return false
}

// Minor reports whether a category, or one above it, is a minor repair
// (零星维修); false for none.
func (tr Tree) Minor(id *uuid.UUID) bool {
	if id == nil {
		return false
	}
	for _, a := range tr.Ancestry(*id) {
		if c := tr.ByID(a); c != nil && c.Minor {
			return true
		}
	}
	return false
}

// Root is the root category above id (id itself for a root); nil for none.
func (tr Tree) Root(id *uuid.UUID) *uuid.UUID {
	if id == nil {
		return nil
	}
	anc := tr.Ancestry(*id)
	if len(anc) == 0 {
		return nil
	}
	return &anc[len(anc)-1]
}

// staffComplaints lists every category that is a complaint about staff,
// the flagged ones and all under them.
func (tr Tree) staffComplaints() []uuid.UUID {
	var out []uuid.UUID
	for i := range tr {
		if tr.StaffComplaint(&tr[i].ID) {
			out = append(out, tr[i].ID)
		}
	}
	return out
}

// order sorts flat rows into depth-first display order.
func order(rows []Category) Tree {
	children := map[uuid.UUID][]Category{}
	var roots []Category
	for _, c := range rows {
		if c.ParentID == nil {
			roots = append(roots, c)
		} else {
			children[*c.ParentID] = append(children[*c.ParentID], c)
		}
	}
	var out Tree
	var walk func(cs []Category, path string, depth int)
	walk = func(cs []Category, path string, depth int) {
		for _, c := range cs {
			c.Depth = depth
			c.Path = c.Name
			if path != "" {
				c.Path = path + " › " + c.Name
			}
			out = append(out, c)
			walk(children[c.ID], c.Path, depth+1)
		}
	}
	walk(roots, "", 0)
	return out
}

func loadTree(ctx context.Context, db bun.IDB, tenantID uuid.UUID) (Tree, error) {
	var rows []Category
	err := db.NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).
		OrderExpr("sort_order, name").Scan(ctx)
	return order(rows), err
}

// seedTree writes the default tree for a tenant that has none.
func seedTree(ctx context.Context, db bun.IDB, tenantID uuid.UUID, now time.Time) error {
	var rows []Category
	for i, root := range defaultTree {
		r := Category{TenantID: tenantID, ID: uuid.New(), Name: root.name, SortOrder: i, CreatedAt: now}
		rows = append(rows, r)
		for j, name := range root.children {
			rows = append(rows, Category{TenantID: tenantID, ID: uuid.New(), ParentID: &r.ID, Name: name, SortOrder: j, CreatedAt: now,
				StaffComplaint: [2]string{root.name, name} == defaultStaffComplaint})
		}
	}
	_, err := db.NewInsert().Model(&rows).Exec(ctx)
	return err
}

// validCategoryName trims and checks a category name.
func validCategoryName(name string) (string, bool) {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	return name, n > 0 && n <= MaxCategoryName && !strings.Contains(name, "›")
}

// EnsureTree is the tenant's category tree, seeded with the default tree
// the first time. Call it inside a tenant transaction.
func EnsureTree(ctx context.Context, db bun.IDB, tenantID uuid.UUID, now time.Time) (Tree, error) {
	tr, err := loadTree(ctx, db, tenantID)
	if err != nil || len(tr) > 0 {
		return tr, err
	}
	if err := seedTree(ctx, db, tenantID, now); err != nil {
		return nil, err
	}
	return loadTree(ctx, db, tenantID)
}
