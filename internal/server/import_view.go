package server

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate/importer"
)

// importView is an import as the page and the API show it: its report's
// problems translated into the reader's language, whoever uploaded it.
type importView struct {
	ID             uuid.UUID        `json:"id"`
	EstateID       uuid.UUID        `json:"estate_id"`
	Filename       string           `json:"filename"`
	Status         importer.Status  `json:"status"`
	Running        bool             `json:"running"`
	TotalRows      int              `json:"total_rows"`
	DoneRows       int              `json:"done_rows"`
	Percent        int              `json:"percent"`
	Options        importer.Options `json:"options"`
	Summary        importer.Summary `json:"summary"`
	Problems       []problemView    `json:"problems"`
	ProblemCount   int              `json:"problem_count"`
	MoreProblems   int              `json:"more_problems"`
	IgnoredColumns []string         `json:"ignored_columns"`
	// CreatedBy is nil for an import run from the command line.
	CreatedBy *uuid.UUID `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// importItem is an import in a list: what it is and where it stands;
// its report is on its own page.
type importItem struct {
	ID        uuid.UUID        `json:"id"`
	EstateID  uuid.UUID        `json:"estate_id"`
	Filename  string           `json:"filename"`
	Status    importer.Status  `json:"status"`
	Running   bool             `json:"running"`
	TotalRows int              `json:"total_rows"`
	DoneRows  int              `json:"done_rows"`
	Percent   int              `json:"percent"`
	Summary   importer.Summary `json:"summary"`
	CreatedBy *uuid.UUID       `json:"created_by"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

func (s *Server) importItem(c *fiber.Ctx, im *importer.Import) importItem {
	v := s.importView(c, im)
	return importItem{ID: v.ID, EstateID: v.EstateID, Filename: v.Filename, Status: v.Status, Running: v.Running,
		TotalRows: v.TotalRows, DoneRows: v.DoneRows, Percent: v.Percent, Summary: v.Summary, CreatedBy: v.CreatedBy,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

type problemView struct {
	Row     int    `json:"row,omitempty"`
	Column  string `json:"column,omitempty"`
	Value   string `json:"value,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *Server) importView(c *fiber.Ctx, im *importer.Import) importView {
	lang := langOf(c)
	v := importView{ID: im.ID, EstateID: im.EstateID, Filename: im.Filename, Status: im.Status, Running: im.Status.Running(),
		TotalRows: im.TotalRows, DoneRows: im.DoneRows, Percent: im.Percent(), Options: im.Report.Options, Summary: im.Summary,
		Problems: make([]problemView, len(im.Report.Problems)), ProblemCount: im.Report.Count(), MoreProblems: im.Report.More,
		IgnoredColumns: im.Report.Ignored, CreatedAt: im.CreatedAt, UpdatedAt: im.UpdatedAt}
	if t := tenantOf(c); t != nil {
		// Pages show the company's local time.
		v.CreatedAt, v.UpdatedAt = v.CreatedAt.In(t.Location()), v.UpdatedAt.In(t.Location())
	}
	if v.IgnoredColumns == nil {
		v.IgnoredColumns = []string{}
	}
	if im.CreatedBy != uuid.Nil {
		v.CreatedBy = &im.CreatedBy
	}
	for i, p := range im.Report.Problems {
		v.Problems[i] = problemView{Row: p.Row, Column: p.Column, Value: p.Value, Code: p.Code,
			Message: s.Catalog.T(lang, p.MessageID(), p.MessageData())}
	}
	return v
}

// importPath is an import's page in the current workspace.
func importPath(c *fiber.Ctx, id uuid.UUID) string {
	return tenantPath(c, "/imports/"+id.String())
}
