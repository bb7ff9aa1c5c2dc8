package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// categoryInput is a new category: under a parent, or a new root.
type categoryInput struct {
	ParentID string `json:"parent_id" form:"parent_id"`
	Name     string `json:"name" form:"name"`
}

// ticketCategoryAdd adds a category to the tree.
func (s *Server) ticketCategoryAdd(c *fiber.Ctx) error {
	var in categoryInput
	if err := parse(c, &in); err != nil {
		return err
	}
	form := categoryForm{ParentID: in.ParentID, Name: in.Name}
	parent, err := optionalUUID(in.ParentID, ticket.ErrInvalidCategory)
	if err != nil {
		return s.settingsRefused(c, err, "Category", form)
	}
	cat, err := s.Tickets.AddCategory(c.UserContext(), tenantOf(c).ID, parent, in.Name)
	if err != nil {
		return s.settingsRefused(c, err, "Category", form)
	}
	return s.done(c, settingsPath(c, "categories"), "queue.settings.category_added", fiber.StatusCreated, cat)
}

// ticketCategoryArchive hides a category from intake (archived), or brings
// it back; tickets keep theirs either way.
func (s *Server) ticketCategoryArchive(archived bool) fiber.Handler {
	flash := map[bool]string{true: "queue.settings.category_archived", false: "queue.settings.category_restored"}[archived]
	return func(c *fiber.Ctx) error {
		id, err := pathUUID(c, "category")
		if err != nil {
			return err
		}
		if err := s.Tickets.SetCategoryArchived(c.UserContext(), tenantOf(c).ID, id, archived); err != nil {
			return err
		}
		return s.done(c, settingsPath(c, "categories"), flash, fiber.StatusNoContent, nil)
	}
}

// staffComplaintInput marks a category as a complaint about staff; the
// form's checkbox sends "true" or nothing.
type staffComplaintInput struct {
	StaffComplaint *bool `json:"staff_complaint" form:"staff_complaint"`
}

// ticketCategoryStaffComplaint sets or clears a category's mark as a
// complaint about staff, which hides its tickets from the roles without
// ticket:sensitive.
func (s *Server) ticketCategoryStaffComplaint(c *fiber.Ctx) error {
	id, err := pathUUID(c, "category")
	if err != nil {
		return err
	}
	var in staffComplaintInput
	if err := parseOptional(c, &in); err != nil {
		return err
	}
	if in.StaffComplaint == nil && isAPI(c) {
		return &fieldError{fields: map[string]string{"staff_complaint": s.Catalog.T(langOf(c), "error.staff_complaint_required", nil)}}
	}
	on := in.StaffComplaint != nil && *in.StaffComplaint
	if err := s.Tickets.SetCategoryStaffComplaint(c.UserContext(), tenantOf(c).ID, id, on); err != nil {
		return err
	}
	flash := map[bool]string{true: "home.settings.staff_complaint_on", false: "home.settings.staff_complaint_off"}[on]
	return s.done(c, settingsPath(c, "categories"), flash, fiber.StatusNoContent, nil)
}
