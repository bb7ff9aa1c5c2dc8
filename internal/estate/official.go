package estate

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"go.yaml.in/yaml/v3"
)

//go:embed holidays_cn.yaml
var officialYAML []byte

// officialYear is one year of the State Council's holiday schedule.
type officialYear struct {
	Year     int `yaml:"year"`
	Holidays []struct {
		From string `yaml:"from"`
		To   string `yaml:"to"`
		Name string `yaml:"name"`
	} `yaml:"holidays"`
	Workdays []struct {
		Day  string `yaml:"day"`
		Name string `yaml:"name"`
	} `yaml:"workdays"`
}

// officialDays are read once: the file ships with the binary, so an error
// in it is a build defect, caught by the tests.
var officialDays, officialYears, officialErr = parseOfficial(officialYAML)

func parseOfficial(b []byte) ([]CalendarDay, []int, error) {
	var years []officialYear
	if err := yaml.Unmarshal(b, &years); err != nil {
		return nil, nil, err
	}
	var days []CalendarDay
	var ys []int
	for _, y := range years {
		ys = append(ys, y.Year)
		for _, h := range y.Holidays {
			from, err1 := time.Parse(time.DateOnly, h.From)
			to, err2 := time.Parse(time.DateOnly, h.To)
			if err1 != nil || err2 != nil || to.Before(from) || to.Sub(from) > 14*24*time.Hour {
				return nil, nil, fmt.Errorf("%w: %s~%s", ErrInvalidDay, h.From, h.To)
			}
			for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
				days = append(days, CalendarDay{Day: d.Format(time.DateOnly), Kind: Holiday, Name: h.Name})
			}
		}
		for _, w := range y.Workdays {
			if _, err := time.Parse(time.DateOnly, w.Day); err != nil {
				return nil, nil, fmt.Errorf("%w: %s", ErrInvalidDay, w.Day)
			}
			days = append(days, CalendarDay{Day: w.Day, Kind: Workday, Name: w.Name})
		}
	}
	slices.SortFunc(days, func(a, b CalendarDay) int { return strings.Compare(a.Day, b.Day) })
	for i := 1; i < len(days); i++ {
		if days[i].Day == days[i-1].Day {
			return nil, nil, fmt.Errorf("%w: %s twice", ErrInvalidDay, days[i].Day)
		}
	}
	return days, ys, nil
}

// OfficialDays are China's statutory holidays and make-up working days
// (国务院办公厅 schedule) that ship with estatedesk, by date, and the years
// they cover.
func OfficialDays() ([]CalendarDay, []int, error) {
	return slices.Clone(officialDays), slices.Clone(officialYears), officialErr
}

// AdoptOfficialDays merges the official holidays and make-up working days
// into an estate's calendar: an official day replaces the estate's own
// entry for that date, the estate's other days stay. It returns how many
// days were added or changed; adopting again changes nothing. The estate
// edits them after like any other day.
func (s *Service) AdoptOfficialDays(ctx context.Context, tenantID uuid.UUID, scope Scope, id uuid.UUID) (int, error) {
	official, _, err := OfficialDays()
	if err != nil {
		return 0, err
	}
	var changed []CalendarDay
	err = s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		changed = nil // a retried transaction starts over
		if _, err := s.estateInScope(ctx, tx, tenantID, scope, id); err != nil {
			return err
		}
		var have []CalendarDay
		if err := tx.NewSelect().Model(&have).Where("tenant_id = ? AND estate_id = ?", tenantID, id).Scan(ctx); err != nil {
			return err
		}
		own := make(map[string]CalendarDay, len(have))
		for _, d := range have {
			own[d.Day] = d
		}
		var days []string
		for _, d := range official {
			if o, ok := own[d.Day]; ok && o.Kind == d.Kind && o.Name == d.Name {
				continue
			}
			d.TenantID, d.EstateID = tenantID, id
			changed = append(changed, d)
			days = append(days, d.Day)
		}
		if len(changed) == 0 {
			return nil
		}
		if _, err := tx.NewDelete().Model((*CalendarDay)(nil)).
			Where("tenant_id = ? AND estate_id = ? AND day IN (?)", tenantID, id, bun.In(days)).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&changed).Exec(ctx)
		return err
	})
	return len(changed), err
}
