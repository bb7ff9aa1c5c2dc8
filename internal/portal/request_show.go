package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/resident"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// maxRatingComment bounds a rating's comment.
const maxRatingComment = 500

func (p *Portal) requestList(c *fiber.Ctx) error {
	list, err := p.Residents.Requests(c.UserContext(), tenantOf(c), sessionOf(c).Phone)
	if err != nil {
		return err
	}
	return p.render(c, "requests", "portal.requests.title", map[string]any{"Requests": list})
}

func requestID(c *fiber.Ctx) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return uuid.Nil, errNotFound
	}
	return id, nil
}

// requestShow is one request with the resident's timeline, and the rating
// form once the work is done.
func (p *Portal) requestShow(c *fiber.Ctx) error {
	return p.renderRequest(c, http.StatusOK, map[string]any{})
}

func (p *Portal) renderRequest(c *fiber.Ctx, status int, data map[string]any) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	r, err := p.Residents.Request(c.UserContext(), tenantOf(c), sessionOf(c).Phone, id)
	if err != nil {
		return err
	}
	data["Request"] = r
	c.Status(status)
	return p.render(c, "request", "portal.request.title", data)
}

// requestRate records the resident's rating as the call-back (回访).
func (p *Portal) requestRate(c *fiber.Ctx) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	score := func(name string) int {
		n, _ := strconv.Atoi(c.FormValue(name))
		return n
	}
	r := resident.Rating{Overall: score("overall"), Speed: score("speed"), Attitude: score("attitude"), Comment: strings.TrimSpace(c.FormValue("comment"))}
	if utf8.RuneCountInString(r.Comment) > maxRatingComment {
		return p.renderRequest(c, http.StatusUnprocessableEntity, map[string]any{"Error": "portal.rate.error.comment"})
	}
	_, err = p.Residents.Rate(c.UserContext(), tenantOf(c), sessionOf(c).Phone, langOf(c), id, r)
	switch {
	case errors.Is(err, ticket.ErrInvalidScore):
		return p.renderRequest(c, http.StatusUnprocessableEntity, map[string]any{"Error": "portal.rate.error.score"})
	case errors.Is(err, ticket.ErrNoCallback):
		return p.renderRequest(c, http.StatusConflict, map[string]any{"Error": "portal.rate.error.closed"})
	case errors.Is(err, database.ErrNotFound):
		return errNotFound
	case err != nil:
		return err
	}
	return c.Redirect(base(c)+"requests/"+id.String(), fiber.StatusSeeOther)
}
