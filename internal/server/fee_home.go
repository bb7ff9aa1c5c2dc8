package server

import "github.com/gofiber/fiber/v2"

// feeHome is the fee workspace's start: the counter's search box and the
// chosen estate's set-up, runs, arrears and collection rates.
func (s *Server) feeHome(c *fiber.Ctx) error {
	estates, est, err := s.feeEstates(c)
	if err != nil {
		return err
	}
	return s.render(c, "fees", "fee.page.home", map[string]any{"Estates": estates, "Estate": est})
}
