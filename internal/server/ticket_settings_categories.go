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
