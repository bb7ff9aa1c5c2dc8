// Package importer brings an estate's buildings, units and people in from a
// spreadsheet (CSV in UTF-8 or GBK/GB18030, or XLSX): first a dry run that
// reports every problem by row and column, then an all-or-nothing apply that
// a second run of the same file leaves unchanged.
//
// The web face runs both steps as durable jobs (internal/job) on the import
// kept in the imports table; the command line runs them in-process.
package importer

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Limits of one file. Larger portfolios are imported in several files (one
// per building or group of buildings); re-importing is harmless.
const (
	MaxFileBytes = 20 << 20
	MaxRows      = 200_000
	// MaxProblems is how many problems a report keeps; the count of the
	// rest is kept too. A file with more is better fixed and re-checked
	// than read through.
	MaxProblems = 10_000
)

// Status is where an import stands.
type Status string

const (
	Validating Status = "validating" // the dry-run job is queued or running
	Validated  Status = "validated"  // no problems: waiting for the user's confirmation
	Invalid    Status = "invalid"    // problems found: nothing was changed
	Applying   Status = "applying"   // confirmed: the apply job is queued or running
	Applied    Status = "applied"    // done
	Failed     Status = "failed"     // the job gave up after its retries; nothing was changed
)

// Done reports whether no job will change the import any more.
func (s Status) Done() bool { return s == Invalid || s == Applied || s == Failed }

// Running reports whether a job is queued or working on the import.
func (s Status) Running() bool { return s == Validating || s == Applying }

// Options change how a file is read.
type Options struct {
	// ExistingBuildings refuses rows whose building does not exist yet,
	// instead of creating the building: for adding units and owners to an
	// estate whose buildings were set up by hand.
	ExistingBuildings bool `json:"existing_buildings"`
}

// Import is one uploaded file with its report and progress.
type Import struct {
	bun.BaseModel `bun:"table:imports"`

	TenantID   uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	EstateID   uuid.UUID `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	Filename   string    `bun:"filename,notnull" json:"filename"`
	Content    []byte    `bun:"content,notnull" json:"-"`
	Status     Status    `bun:"status,notnull" json:"status"`
	Lang       string    `bun:"lang,notnull" json:"lang"`
	TotalRows  int       `bun:"total_rows,notnull" json:"total_rows"`
	DoneRows   int       `bun:"done_rows,notnull" json:"done_rows"`
	ReportJSON string    `bun:"report,notnull" json:"-"`
	// SummaryJSON is what the import changes (after a dry run) or changed.
	SummaryJSON string `bun:"summary,notnull" json:"-"`
	// CreatedBy is the user who uploaded the file; uuid.Nil for the
	// command line.
	CreatedBy uuid.UUID `bun:"created_by,notnull,type:uuid" json:"created_by"`
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time `bun:"updated_at,notnull" json:"updated_at"`

	Report  Report  `bun:"-" json:"report"`
	Summary Summary `bun:"-" json:"summary"`
}

// decode fills Report and Summary from their stored JSON.
func (im *Import) decode() {
	im.Report, im.Summary = Report{}, Summary{}
	if im.ReportJSON != "" {
		_ = json.Unmarshal([]byte(im.ReportJSON), &im.Report)
	}
	if im.SummaryJSON != "" {
		_ = json.Unmarshal([]byte(im.SummaryJSON), &im.Summary)
	}
}

// encode stores Report and Summary as JSON.
func (im *Import) encode() {
	b, _ := json.Marshal(im.Report)
	im.ReportJSON = string(b)
	b, _ = json.Marshal(im.Summary)
	im.SummaryJSON = string(b)
}

// Percent is the progress of the running job, 0–100.
func (im *Import) Percent() int {
	if im.TotalRows <= 0 {
		return 0
	}
	return min(100, im.DoneRows*100/im.TotalRows)
}

// Report is the outcome of checking a file: its options and every problem
// found (up to MaxProblems; More counts the rest).
type Report struct {
	Options  Options   `json:"options"`
	Problems []Problem `json:"problems,omitempty"`
	More     int       `json:"more,omitempty"`
	// Ignored lists header cells that name no known column.
	Ignored []string `json:"ignored_columns,omitempty"`
}

// Count is the number of problems, kept and not.
func (r *Report) Count() int { return len(r.Problems) + r.More }

func (r *Report) add(p Problem) {
	if len(r.Problems) < MaxProblems {
		r.Problems = append(r.Problems, p)
	} else {
		r.More++
	}
}

// Problem is one reason a file cannot be imported. Row counts as the user
// sees it in a spreadsheet (the header is row 1); 0 means the file as a
// whole. Column is the header cell as the file spells it.
type Problem struct {
	Row    int    `json:"row,omitempty"`
	Column string `json:"column,omitempty"`
	Code   string `json:"code"`
	Value  string `json:"value,omitempty"`
	// FirstRow is the earlier row a duplicate repeats.
	FirstRow int `json:"first_row,omitempty"`
	// Plan limit problems.
	Plan    string `json:"plan,omitempty"`
	Limit   int    `json:"limit,omitempty"`
	Current int    `json:"current,omitempty"`
	Adding  int    `json:"adding,omitempty"`
	// Max of a file-size or row-count problem.
	Max int `json:"max,omitempty"`
}

// MessageID names the problem's translated reason.
func (p Problem) MessageID() string { return "import.problem." + p.Code }

// MessageData fills the translated reason.
func (p Problem) MessageData() map[string]any {
	return map[string]any{"Column": p.Column, "Value": p.Value, "FirstRow": p.FirstRow, "Plan": p.Plan,
		"Limit": p.Limit, "Current": p.Current, "Adding": p.Adding, "Total": p.Current + p.Adding, "Max": p.Max}
}

// Problem codes.
const (
	CodeUnreadable       = "unreadable"
	CodeXLS              = "xls"
	CodeEmpty            = "empty"
	CodeTooLarge         = "too_large"
	CodeTooManyRows      = "too_many_rows"
	CodeMissingColumn    = "missing_column"
	CodeDuplicateColumn  = "duplicate_column"
	CodePlanLimit        = "plan_limit"
	CodeEstateArchived   = "estate_archived"
	CodeFailed           = "failed"
	CodeRequired         = "required"
	CodeInvalidBuilding  = "invalid_building"
	CodeUnknownBuilding  = "unknown_building"
	CodeArchivedBuilding = "archived_building"
	CodeInvalidEntrance  = "invalid_entrance"
	CodeInvalidFloor     = "invalid_floor"
	CodeInvalidNumber    = "invalid_number"
	CodeInvalidKind      = "invalid_kind"
	CodeInvalidArea      = "invalid_area"
	CodeInvalidStatus    = "invalid_status"
	CodeInvalidName      = "invalid_name"
	CodeNameRequired     = "name_required"
	CodeInvalidPhone     = "invalid_phone"
	CodeTooManyPhones    = "too_many_phones"
	CodeInvalidRelation  = "invalid_relation"
	CodeDuplicateUnit    = "duplicate_unit"
	CodeUnitConflict     = "unit_conflict"
	CodeMixedEncoding    = "mixed_encoding"
	CodeMergedCells      = "merged_cells"
	CodeMergedMany       = "merged_many"
)

// Summary counts what an import changes (dry run) or changed (applied).
type Summary struct {
	Rows           int `json:"rows"`
	BuildingsNew   int `json:"buildings_new"`
	UnitsNew       int `json:"units_new"`
	UnitsUpdated   int `json:"units_updated"`
	UnitsUnchanged int `json:"units_unchanged"`
	PeopleNew      int `json:"people_new"`
	PeopleMatched  int `json:"people_matched"`
	PhonesNew      int `json:"phones_new"`
	LinksNew       int `json:"links_new"`
	LinksUnchanged int `json:"links_unchanged"`
}

// Count is one line of a summary: its key (import.summary.<key> names it)
// and its number.
type Count struct {
	Key string
	N   int
}

// Counts lists the summary in the order pages and the command line show it.
func (s Summary) Counts() []Count {
	return []Count{
		{"rows", s.Rows}, {"buildings_new", s.BuildingsNew}, {"units_new", s.UnitsNew},
		{"units_updated", s.UnitsUpdated}, {"units_unchanged", s.UnitsUnchanged}, {"people_new", s.PeopleNew},
		{"people_matched", s.PeopleMatched}, {"phones_new", s.PhonesNew}, {"links_new", s.LinksNew},
		{"links_unchanged", s.LinksUnchanged},
	}
}

// Changes reports whether applying would change anything.
func (s Summary) Changes() bool {
	return s.BuildingsNew+s.UnitsNew+s.UnitsUpdated+s.PeopleNew+s.PhonesNew+s.LinksNew > 0
}
