package app

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/demo"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/manifest"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
	"github.com/estatedesk/estatedesk/tenants"
)

// DemoPassword is the password of every demo account (README lists them).
const DemoPassword = "demo12345"

// DemoAdmin is the demo platform admin.
const DemoAdmin = "admin@estatedesk.test"

// demoHash is DemoPassword hashed once with the default argon2id
// parameters. Hashing at start-up would cost 150 ms and leave 64 MiB of
// memory resident in an idle server; the password is public anyway.
const demoHash = "$argon2id$v=19$m=65536,t=1,p=2$2vBiyifO39JtKsfxFkKEZQ$YpGKXGXd14dyQSnX7Zv5qVdCfbKFDvqjdZCnYWvwHbs"

// loadDemo creates the demo accounts, applies tenants/demo.yaml and moves
// owners into most units. It is idempotent: a second start finds
// everything in place and writes nothing.
func loadDemo(ctx context.Context, svc *services) (*manifest.Result, error) {
	return loadDemoManifest(ctx, svc, tenants.Demo)
}

// loadDemoManifest is loadDemo with another manifest: tests load a
// smaller demo company.
func loadDemoManifest(ctx context.Context, svc *services, raw []byte) (*manifest.Result, error) {
	m, err := manifest.Parse(raw)
	if err != nil {
		return nil, err
	}
	hash := func() (string, error) { return demoHash, nil }
	if _, err := svc.accounts.EnsureUser(ctx, DemoAdmin, "平台管理员", hash, true); err != nil {
		return nil, fmt.Errorf("demo admin: %w", err)
	}
	for _, s := range m.Staff {
		if _, err := svc.accounts.EnsureUser(ctx, s.Email, s.Name, hash, false); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", s.Email, err)
		}
	}
	res, err := svc.applier.Apply(ctx, m, manifest.Options{Direct: true})
	if err != nil {
		return nil, err
	}
	n, err := seedOwners(ctx, svc, m.Company.Slug)
	if err != nil {
		return nil, fmt.Errorf("demo owners: %w", err)
	}
	if n > 0 {
		res.Changes = append(res.Changes, fmt.Sprintf("+ %d demo owner(s)", n))
	}
	return res, nil
}

// demoSlug is the demo company's workspace.
const demoSlug = "demo"

// demoTickets gives the demo company a year of ticket history ending now,
// once, so that queues, timelines and reports look like a center in use;
// dispatch rules so that new requests go to the right team; and timers for
// the open tickets of that history.
func demoTickets(ctx context.Context, svc *services) (int, error) {
	t, err := tenant.BySlug(ctx, svc.db.Reader(), demoSlug)
	if err != nil {
		return 0, err
	}
	n, err := demo.TicketHistory(ctx, svc.db, t.ID, demo.TicketOptions{Now: time.Now(), Seed: 2009, Location: t.Location()})
	if err != nil {
		return n, err
	}
	// Every start: a demo made before a rule was added to the list gets it.
	if err := demoRules(ctx, svc, t); err != nil {
		return n, err
	}
	if err := demoMinor(ctx, svc, t); err != nil || n == 0 {
		return n, err
	}
	// The history's tickets carry past timestamps, behind the KPI
	// rollups' watermark: count every day again.
	if err := svc.kpis.Reset(ctx, t.ID); err != nil {
		return n, err
	}
	if _, err = svc.tickets.ScheduleOpen(ctx, t); err != nil {
		return n, err
	}
	// The demo is the last of its bulk writes: analyze every table now, or
	// the queue plans for empty tables until autovacuum comes by (1.6 s a
	// page with it off, 27 ms after).
	return n, svc.db.Analyze(ctx)
}

// demoMinorPaths are the demo's minor repairs (零星维修), which 零修及时率
// counts: the small jobs inside a home, not the lifts, fire systems and
// common parts.
var demoMinorPaths = []string{"维修 › 水电", "维修 › 漏水", "维修 › 门窗"}

// demoMinor marks demoMinorPaths on every start, as a manager would in the
// category settings.
func demoMinor(ctx context.Context, svc *services, t *tenant.Tenant) error {
	tree, err := svc.tickets.Categories(ctx, t.ID)
	if err != nil {
		return err
	}
	for _, c := range tree {
		if slices.Contains(demoMinorPaths, c.Path) && !c.Minor {
			if err := svc.tickets.SetCategoryMinor(ctx, t.ID, c.ID, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoFees gives the demo company its year of fees ending now, once (the
// billing runs, payments, voids and waivers of a cashier's year), and
// reports how many payments it made.
func demoFees(ctx context.Context, svc *services) (int, error) {
	t, err := tenant.BySlug(ctx, svc.db.Reader(), demoSlug)
	if err != nil {
		return 0, err
	}
	y, err := demo.Fees(ctx, svc.db, t, demo.FeeOptions{Now: time.Now(), Seed: 2010})
	if err != nil || y.Payments == 0 {
		return 0, err
	}
	return y.Payments, svc.db.Analyze(ctx)
}

// demoRule is where the demo sends a root category (or, for "", the
// categories without a rule: the estate's fallback).
type demoRule struct {
	kind team.Kind
	mode ticket.Mode
}

// demoRouting sends each root category to the team that does that work:
// repairs round-robin among the maintenance team, cleaning to its pool;
// neighbours, fees and service to the housekeepers (客服组), who also take
// whatever no rule covers.
var demoRouting = map[string]demoRule{
	"维修": {team.Maintenance, ticket.RoundRobin}, "保洁": {team.Cleaning, ticket.Grab},
	"安全": {team.Security, ticket.Direct}, "绿化": {team.Landscaping, ticket.Grab},
	"邻里": {team.Custom, ticket.Direct}, "收费": {team.Custom, ticket.Direct},
	"服务": {team.Custom, ticket.Direct}, "其他": {team.Custom, ticket.Direct},
	"": {team.Custom, ticket.Direct},
}

// demoRules gives each estate of the demo the rules of demoRouting it
// lacks, to its first active team of the kind that has anyone in it (a
// team of nobody would leave the tickets where nobody sees them; the
// fallback takes them instead). Rules already there are kept, so a
// second start writes nothing.
func demoRules(ctx context.Context, svc *services, t *tenant.Tenant) error {
	tree, err := svc.tickets.Categories(ctx, t.ID)
	if err != nil {
		return err
	}
	all := estate.Scope{All: true}
	ests, err := svc.estates.Visible(ctx, t.ID, all)
	if err != nil {
		return err
	}
	roots := []*ticket.Category{nil} // the fallback
	for i := range tree {
		if tree[i].ParentID == nil {
			roots = append(roots, &tree[i])
		}
	}
	for _, e := range ests {
		teams, err := svc.teams.List(ctx, t.ID, all, e.ID)
		if err != nil {
			return err
		}
		have, err := svc.tickets.EstateRules(ctx, t.ID, all, e.ID)
		if err != nil {
			return err
		}
		for _, c := range roots {
			path, cat := "", (*uuid.UUID)(nil)
			if c != nil {
				path, cat = c.Path, &c.ID
			}
			want, ok := demoRouting[path]
			same := func(r ticket.Rule) bool {
				return (r.CategoryID == nil) == (cat == nil) && (cat == nil || *r.CategoryID == *cat)
			}
			if !ok || slices.ContainsFunc(have, same) {
				continue
			}
			for _, tm := range teams {
				if tm.Kind == want.kind && tm.ArchivedAt == nil && (tm.Leader != nil || len(tm.Members) > 0) {
					if _, err := svc.tickets.AddRule(ctx, t.ID, all, ticket.Rule{EstateID: e.ID, CategoryID: cat, TeamID: tm.ID, Mode: want.mode}); err != nil {
						return err
					}
					break
				}
			}
		}
	}
	return nil
}

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given    = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞",
		"平", "刚", "桂英", "建国", "建华", "志强", "晓东", "海燕", "文博", "子涵", "欣怡", "浩然", "梓轩", "雨桐", "俊杰", "思远"}
)

// seedOwners gives about nine units in ten an owner with a phone, the same
// ones on every machine: the unit's address decides, not a random draw.
// Units that already have someone, or that the address leaves vacant, are
// skipped, so a second run adds nothing.
func seedOwners(ctx context.Context, svc *services, slug string) (int, error) {
	t, err := tenant.BySlug(ctx, svc.db.Reader(), slug)
	if err != nil {
		return 0, err
	}
	var units []struct {
		ID   uuid.UUID `bun:"id"`
		Code string    `bun:"code"`
	}
	err = svc.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().TableExpr("units AS u").ColumnExpr("u.id, u.code").
			Where("u.tenant_id = ? AND u.archived_at IS NULL", t.ID).
			Where("NOT EXISTS (SELECT 1 FROM unit_persons AS l WHERE l.tenant_id = u.tenant_id AND l.unit_id = u.id)").
			OrderExpr("u.code").Scan(ctx, &units)
	})
	if err != nil {
		return 0, err
	}
	var occ []estate.NewOccupant
	for _, u := range units {
		h := fnv.New64a()
		h.Write([]byte(slug + "/" + u.Code))
		v := h.Sum64()
		if v%100 >= 88 {
			continue
		}
		name := string(surnames[v%uint64(len(surnames))]) + given[(v/97)%uint64(len(given))]
		phone := fmt.Sprintf("13%d%08d", 5+v%5, (v/7)%100_000_000)
		occ = append(occ, estate.NewOccupant{UnitID: u.ID,
			Person: estate.PersonInput{Name: name, Phones: []string{phone}},
			Link:   estate.LinkInput{Relation: estate.OwnerRel, PrimaryContact: true, From: "2020-06-01"}})
	}
	return len(occ), svc.estates.AddOccupants(ctx, t.ID, occ)
}
