package demo

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// TicketOptions shape a generated ticket history.
type TicketOptions struct {
	// Now ends the history: every ticket is received before it, and what
	// would happen after it has not happened yet.
	Now time.Time
	// Months back the history reaches; 12 when zero.
	Months int
	// Count of tickets; 5000 when zero.
	Count int
	// Seed: the same seed, Now and portfolio give the same history.
	Seed int64
	// Location is the tenant's time zone; the tenant's own when nil.
	Location *time.Location
}

// ErrNoTicketBasis: a history needs an active estate with a team and an
// active staff member to receive the requests.
var ErrNoTicketBasis = errors.New("demo: a ticket history needs an active estate with a team and an active staff member")

// historyBatch rows go into one INSERT.
const historyBatch = 500

// historyMarker is the ID of a tenant's first generated ticket: finding it
// is how a second run knows the history is there, whatever tickets were
// created live since.
func historyMarker(tenantID uuid.UUID) uuid.UUID {
	return uuid.NewSHA1(tenantID, []byte("estatedesk/ticket-history"))
}

// TicketHistory writes months of realistic past tickets for a tenant —
// a demo that looks lived in, or a benchmark's data — with their
// timelines, call-backs and ticket numbers. Each ticket's life is played
// through the same rules as the service's (state machine, deadlines on the
// estate's calendar, timers, escalation ladder, call-back settings) and
// stops at opt.Now, so recent tickets sit in every open state. It runs in
// one transaction and is idempotent: a tenant that already has its history
// gets nothing, and 0.
func TicketHistory(ctx context.Context, db *database.DB, tenantID uuid.UUID, opt TicketOptions) (int, error) {
	if opt.Months <= 0 {
		opt.Months = 12
	}
	if opt.Count <= 0 {
		opt.Count = 5000
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC().Truncate(time.Second)
	n := 0
	err := db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		exists, err := tx.NewSelect().Model((*ticket.Ticket)(nil)).
			Where("tenant_id = ? AND id = ?", tenantID, historyMarker(tenantID)).Exists(ctx)
		if err != nil || exists {
			return err
		}
		g, err := loadHistoryWorld(ctx, tx, tenantID, opt)
		if err != nil {
			return err
		}
		g.generate()
		if g.err != nil {
			return g.err
		}
		if err := g.number(ctx, tx); err != nil {
			return err
		}
		if err := g.insert(ctx, tx); err != nil {
			return err
		}
		n = len(g.results)
		return nil
	})
	return n, database.Normalize(err)
}

// The portfolio the history happens in.
type (
	histEstate struct {
		id     uuid.UUID
		weight float64
		office *ticket.Calendar // the management office's hours: clerks' work, deadlines
		units  []histUnit
		teams  []*histTeam
		byKind map[team.Kind]*histTeam
		desk   []uuid.UUID // who takes requests and calls back: clerks, else their superiors
		field  []uuid.UUID // team leaders and workers, who pass on what they hear
	}
	histUnit struct {
		id     uuid.UUID
		person *uuid.UUID
		name   string
	}
	histTeam struct {
		id      uuid.UUID
		leader  *uuid.UUID
		members []uuid.UUID
	}
	histStaff struct {
		id      uuid.UUID
		roles   []rbac.Role
		estates map[uuid.UUID]bool
	}
)

// historyGen holds the world and the output of one run.
type historyGen struct {
	tenantID uuid.UUID
	opt      TicketOptions
	loc      *time.Location
	start    time.Time
	estates  []*histEstate
	weights  []float64
	staff    []histStaff           // by email
	cats     map[string]*uuid.UUID // "维修/漏水" and "维修" → category
	ancestry map[uuid.UUID][]uuid.UUID
	policies []ticket.Policy
	settings ticket.Settings
	ladder   []ticket.Level
	always   *ticket.Calendar
	ids      idSource
	heads    map[recipientKey][]uuid.UUID

	drafts  []draft
	results []*sim
	err     error
}

type recipientKey struct {
	estate uuid.UUID
	role   rbac.Role
}

// draft is what is drawn for a ticket before the tickets are put in order.
type draft struct {
	at      time.Time
	channel ticket.Channel
}

func loadHistoryWorld(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, opt TicketOptions) (*historyGen, error) {
	g := &historyGen{tenantID: tenantID, opt: opt, loc: opt.Location, heads: map[recipientKey][]uuid.UUID{},
		cats: map[string]*uuid.UUID{}, ancestry: map[uuid.UUID][]uuid.UUID{}}
	if g.loc == nil {
		t, err := tenant.ByID(ctx, tx, tenantID)
		if err != nil {
			return nil, err
		}
		g.loc = t.Location()
	}
	g.always = ticket.AlwaysOpen(g.loc)
	g.start = opt.Now.In(g.loc).AddDate(0, -opt.Months, 0).UTC()
	seed := uint64(opt.Seed)
	h := fnv.New64a()
	h.Write(tenantID[:])
	g.ids.r = rand.New(rand.NewPCG(seed, h.Sum64()))

	estates, err := estate.List(ctx, tx, tenantID, false)
	if err != nil {
		return nil, err
	}
	var days []estate.CalendarDay
	if err := tx.NewSelect().Model(&days).Where("tenant_id = ?", tenantID).Order("estate_id", "day").Scan(ctx); err != nil {
		return nil, err
	}
	var units []struct {
		ID       uuid.UUID `bun:"id"`
		EstateID uuid.UUID `bun:"estate_id"`
	}
	if err := tx.NewSelect().Table("units").Column("id", "estate_id").
		Where("tenant_id = ? AND archived_at IS NULL", tenantID).OrderExpr("code, id").Scan(ctx, &units); err != nil {
		return nil, err
	}
	var links []struct {
		UnitID   uuid.UUID `bun:"unit_id"`
		PersonID uuid.UUID `bun:"person_id"`
		Name     string    `bun:"name"`
	}
	today := opt.Now.In(g.loc).Format("2006-01-02")
	if err := tx.NewSelect().TableExpr("unit_persons AS l").ColumnExpr("l.unit_id, l.person_id, p.name").
		Join("JOIN persons AS p ON p.tenant_id = l.tenant_id AND p.id = l.person_id AND p.archived_at IS NULL").
		Where("l.tenant_id = ? AND (l.to_date = '' OR l.to_date >= ?)", tenantID, today).
		OrderExpr("l.primary_contact DESC, l.from_date, p.name").Scan(ctx, &links); err != nil {
		return nil, err
	}
	var teams []struct {
		ID       uuid.UUID  `bun:"id"`
		EstateID uuid.UUID  `bun:"estate_id"`
		Kind     team.Kind  `bun:"kind"`
		LeaderID *uuid.UUID `bun:"leader_id"`
	}
	if err := tx.NewSelect().Table("teams").Column("id", "estate_id", "kind", "leader_id").
		Where("tenant_id = ? AND archived_at IS NULL", tenantID).OrderExpr("name, id").Scan(ctx, &teams); err != nil {
		return nil, err
	}
	var members []struct {
		TeamID uuid.UUID `bun:"team_id"`
		UserID uuid.UUID `bun:"user_id"`
	}
	if err := tx.NewSelect().TableExpr("team_members AS tm").ColumnExpr("tm.team_id, tm.user_id").
		Join("JOIN memberships AS m ON m.tenant_id = tm.tenant_id AND m.user_id = tm.user_id AND m.disabled_at IS NULL").
		Join("JOIN users AS u ON u.id = tm.user_id").
		Where("tm.tenant_id = ? AND tm.on_duty", tenantID).OrderExpr("u.email").Scan(ctx, &members); err != nil {
		return nil, err
	}
	var roles []struct {
		UserID uuid.UUID `bun:"user_id"`
		Role   rbac.Role `bun:"role"`
	}
	if err := tx.NewSelect().TableExpr("membership_roles AS r").ColumnExpr("r.user_id, r.role").
		Join("JOIN memberships AS m ON m.tenant_id = r.tenant_id AND m.user_id = r.user_id AND m.disabled_at IS NULL").
		Join("JOIN users AS u ON u.id = r.user_id AND u.disabled_at IS NULL").
		Where("r.tenant_id = ?", tenantID).OrderExpr("u.email, r.role").Scan(ctx, &roles); err != nil {
		return nil, err
	}
	var scopes []struct {
		UserID   uuid.UUID `bun:"user_id"`
		EstateID uuid.UUID `bun:"estate_id"`
	}
	if err := tx.NewSelect().Table("staff_estates").Column("user_id", "estate_id").
		Where("tenant_id = ?", tenantID).Scan(ctx, &scopes); err != nil {
		return nil, err
	}
	if err := tx.NewSelect().Model(&g.policies).Where("tenant_id = ?", tenantID).Scan(ctx); err != nil {
		return nil, err
	}
	if g.settings, err = ticket.SettingsOf(ctx, tx, tenantID); err != nil {
		return nil, err
	}
	if g.ladder, err = ticket.LadderOf(ctx, tx, tenantID); err != nil {
		return nil, err
	}
	// The categories existed before the first ticket.
	tree, err := ticket.EnsureTree(ctx, tx, tenantID, g.start)
	if err != nil {
		return nil, err
	}
	for _, c := range tree {
		if c.ArchivedAt != nil {
			continue
		}
		id := c.ID
		key := c.Name
		if c.ParentID != nil {
			if p := tree.ByID(*c.ParentID); p != nil {
				key = p.Name + "/" + c.Name
			}
		}
		if _, dup := g.cats[key]; !dup {
			g.cats[key] = &id
		}
		g.ancestry[c.ID] = tree.Ancestry(c.ID)
	}

	// Staff, in email order.
	staffAt := map[uuid.UUID]int{}
	for _, r := range roles {
		i, ok := staffAt[r.UserID]
		if !ok {
			i = len(g.staff)
			staffAt[r.UserID] = i
			g.staff = append(g.staff, histStaff{id: r.UserID, estates: map[uuid.UUID]bool{}})
		}
		g.staff[i].roles = append(g.staff[i].roles, r.Role)
	}
	for _, sc := range scopes {
		if i, ok := staffAt[sc.UserID]; ok {
			g.staff[i].estates[sc.EstateID] = true
		}
	}
	teamMembers := map[uuid.UUID][]uuid.UUID{}
	for _, m := range members {
		teamMembers[m.TeamID] = append(teamMembers[m.TeamID], m.UserID)
	}
	unitsOf := map[uuid.UUID][]histUnit{}
	type unitPlace struct {
		estate uuid.UUID
		i      int
	}
	unitAt := map[uuid.UUID]unitPlace{}
	for _, u := range units {
		unitAt[u.ID] = unitPlace{u.EstateID, len(unitsOf[u.EstateID])}
		unitsOf[u.EstateID] = append(unitsOf[u.EstateID], histUnit{id: u.ID})
	}
	for _, l := range links {
		at, ok := unitAt[l.UnitID]
		if !ok {
			continue
		}
		u := &unitsOf[at.estate][at.i]
		if u.person == nil {
			p := l.PersonID
			u.person, u.name = &p, l.Name
		}
	}
	daysOf := map[uuid.UUID][]estate.CalendarDay{}
	for _, d := range days {
		daysOf[d.EstateID] = append(daysOf[d.EstateID], d)
	}
	for _, est := range estates {
		e := &histEstate{id: est.ID, office: ticket.NewCalendar(g.loc, est.BusinessHours, daysOf[est.ID]),
			units: unitsOf[est.ID], byKind: map[team.Kind]*histTeam{}}
		for _, t := range teams {
			if t.EstateID != est.ID {
				continue
			}
			ht := &histTeam{id: t.ID, members: teamMembers[t.ID]}
			if t.LeaderID != nil {
				if _, active := staffAt[*t.LeaderID]; active {
					l := *t.LeaderID
					ht.leader = &l
				}
			}
			e.teams = append(e.teams, ht)
			if e.byKind[t.Kind] == nil {
				e.byKind[t.Kind] = ht
			}
		}
		e.desk = g.deskOf(est.ID)
		for _, s := range g.staff {
			if s.estates[est.ID] && (slices.Contains(s.roles, rbac.TeamLeader) || slices.Contains(s.roles, rbac.Worker)) {
				e.field = append(e.field, s.id)
			}
		}
		if len(e.teams) == 0 || len(e.desk) == 0 {
			continue
		}
		// Bigger estates bring more requests; a small one still some.
		e.weight = math.Max(float64(len(e.units)), 30)
		g.estates = append(g.estates, e)
		g.weights = append(g.weights, e.weight)
	}
	if len(g.estates) == 0 {
		return nil, ErrNoTicketBasis
	}
	return g, nil
}

// deskOf is who takes the estate's requests and makes its call-backs: its
// clerks, else the office head, else the company-wide roles, else anyone.
func (g *historyGen) deskOf(estateID uuid.UUID) []uuid.UUID {
	for _, role := range []rbac.Role{rbac.Clerk, rbac.OfficeHead, rbac.Assistant, rbac.Manager} {
		var out []uuid.UUID
		for _, s := range g.staff {
			if slices.Contains(s.roles, role) && (!rbac.EstateScoped(role) || s.estates[estateID]) {
				out = append(out, s.id)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	var out []uuid.UUID
	for _, s := range g.staff {
		out = append(out, s.id)
	}
	return out
}

// holders mirror the escalation's recipients: the staff holding role who
// see the estate.
func (g *historyGen) holders(estateID uuid.UUID, role rbac.Role) []uuid.UUID {
	k := recipientKey{estateID, role}
	if out, ok := g.heads[k]; ok {
		return out
	}
	out := []uuid.UUID{}
	for _, s := range g.staff {
		if slices.Contains(s.roles, role) && (!rbac.EstateScoped(role) || s.estates[estateID]) {
			out = append(out, s.id)
		}
	}
	g.heads[k] = out
	return out
}

// Mixes of the requests a service center gets.
var (
	historyTypes    = []ticket.Type{ticket.Repair, ticket.Complaint, ticket.Inquiry, ticket.Suggestion, ticket.Praise}
	historyTypeMix  = []float64{55, 20, 15, 6, 4}
	historyChannels = []ticket.Channel{ticket.Phone, ticket.WalkIn, ticket.Web, ticket.Staff, ticket.Letter, ticket.API}
	historyChanMix  = []float64{55, 20, 10, 8, 2, 5}
	// Priorities by type: only repairs and complaints are urgent or
	// emergencies, which makes about 85/12/3 over all tickets.
	historyPrioMix = map[ticket.Type][]float64{ticket.Repair: {78, 17, 5}, ticket.Complaint: {86.5, 12, 1.5}}
	// Requests by weekday (Sunday first) and by month: Mondays bring the
	// weekend's problems; summer brings leaks, air conditioning and
	// insects, winter heating and frozen pipes, the Spring Festival a lull.
	historyWeekday = [7]float64{0.6, 1.15, 1.05, 1, 1, 1, 0.75}
	historyMonth   = [13]float64{0, 1.1, 0.85, 0.95, 0.95, 1, 1.15, 1.3, 1.25, 1, 0.95, 1, 1.1}
	// Hour of the day (0–23) a call or message comes in, and the desk's
	// hours for walk-ins and letters.
	historyHours = []float64{0.15, 0.1, 0.08, 0.08, 0.1, 0.15, 0.3, 0.7, 1.6, 2.4, 2.4, 2, 1, 1.4, 2.2, 2.2, 2, 1.5, 1.1, 1.2, 1.1, 0.8, 0.5, 0.25}
	historyDesk  = []float64{0, 0, 0, 0, 0, 0, 0, 0, 0.5, 2.4, 2.4, 2, 0, 0.5, 2.2, 2.2, 2, 1, 0, 0, 0, 0, 0, 0}
	// Satisfaction (overall 1–5) after an on-time and after a late job.
	historyScores     = []float64{0.8, 2.2, 10, 34, 53}
	historyLateScores = []float64{5, 10, 25, 35, 25}
	historyReach      = []float64{0.85, 0.6, 0.5}
)

// Seasons of a template.
const (
	anySeason = iota
	summer
	winter
)

// Priorities a template occurs with.
const (
	pN = 1 << iota
	pU
	pE
)

type historyTemplate struct {
	typ    ticket.Type
	cat    string    // "root/sub" of the default tree
	team   team.Kind // "" → the estate's fallback team
	text   string
	weight float64
	season int
	prios  int
}

// historyTemplates are the requests, by type and category, in the words
// the center writes them down with.
var historyTemplates = []historyTemplate{
	{ticket.Repair, "维修/水电", team.Maintenance, "卫生间灯不亮，开关没反应", 3, anySeason, pN},
	{ticket.Repair, "维修/水电", team.Maintenance, "厨房插座没电，其他插座正常", 2, anySeason, pN},
	{ticket.Repair, "维修/水电", team.Maintenance, "家里跳闸，合上又跳", 2, anySeason, pN | pU},
	{ticket.Repair, "维修/水电", team.Maintenance, "热水器打不着火，没有热水", 1.5, winter, pN},
	{ticket.Repair, "维修/水电", team.Maintenance, "空调不制冷，外机不转", 1.5, summer, pN | pU},
	{ticket.Repair, "维修/水电", team.Maintenance, "空调漏水，滴到墙上", 1, summer, pN},
	{ticket.Repair, "维修/水电", team.Maintenance, "地暖不热，屋里很冷", 1, winter, pN | pU},
	{ticket.Repair, "维修/水电", team.Maintenance, "整栋楼停电，电梯也停了", 0.6, anySeason, pU | pE},
	{ticket.Repair, "维修/水电", team.Maintenance, "水压太低，水龙头出水很小", 1.5, anySeason, pN},
	{ticket.Repair, "维修/水电", team.Maintenance, "水管冻裂，正在往外喷水", 0.5, winter, pU | pE},
	{ticket.Repair, "维修/漏水", team.Maintenance, "厨房水管漏水，楼下天花板渗水", 3, anySeason, pN | pU},
	{ticket.Repair, "维修/漏水", team.Maintenance, "卫生间地漏反水，满地是水", 2, anySeason, pN | pU},
	{ticket.Repair, "维修/漏水", team.Maintenance, "阳台顶部渗水，下雨就滴水", 1.5, summer, pN},
	{ticket.Repair, "维修/漏水", team.Maintenance, "外墙渗水，卧室墙面发霉", 1, summer, pN},
	{ticket.Repair, "维修/漏水", team.Maintenance, "楼上空调冷凝水滴到我家窗台", 1, summer, pN},
	{ticket.Repair, "维修/漏水", team.Maintenance, "水管爆裂，家里已经进水", 0.8, anySeason, pU | pE},
	{ticket.Repair, "维修/漏水", team.Maintenance, "马桶水箱一直漏水", 2, anySeason, pN},
	{ticket.Repair, "维修/门窗", team.Maintenance, "入户门锁坏了，打不开门", 1.5, anySeason, pN | pU},
	{ticket.Repair, "维修/门窗", team.Maintenance, "单元门闭门器坏了，门关不上", 2, anySeason, pN},
	{ticket.Repair, "维修/门窗", team.Maintenance, "窗户把手松动，关不严", 1.5, anySeason, pN},
	{ticket.Repair, "维修/门窗", team.Maintenance, "楼道窗户玻璃破了", 1, anySeason, pN | pU},
	{ticket.Repair, "维修/电梯", team.Maintenance, "电梯困人，里面有老人", 0.8, anySeason, pE},
	{ticket.Repair, "维修/电梯", team.Maintenance, "电梯运行时有异响和抖动", 1.5, anySeason, pN | pU},
	{ticket.Repair, "维修/电梯", team.Maintenance, "电梯按钮失灵，按了没反应", 1.5, anySeason, pN},
	{ticket.Repair, "维修/电梯", team.Maintenance, "电梯门关不上，一直开开关关", 1, anySeason, pN | pU},
	{ticket.Repair, "维修/公共设施", team.Maintenance, "楼道灯不亮，晚上看不见", 3, anySeason, pN},
	{ticket.Repair, "维修/公共设施", team.Maintenance, "小区路灯坏了好几盏", 1.5, anySeason, pN},
	{ticket.Repair, "维修/公共设施", team.Maintenance, "健身器材螺丝松动，有安全隐患", 1, anySeason, pN},
	{ticket.Repair, "维修/公共设施", team.Maintenance, "地下车库排水沟堵塞，积水很深", 1, summer, pN | pU},
	{ticket.Repair, "维修/公共设施", team.Maintenance, "单元门对讲机没有声音", 1.5, anySeason, pN},
	{ticket.Repair, "维修/公共设施", team.Maintenance, "小区道路井盖松动", 0.8, anySeason, pN | pU},
	{ticket.Repair, "维修/消防", team.Maintenance, "烟感报警器一直响，家里没有烟", 1, anySeason, pN | pU},
	{ticket.Repair, "维修/消防", team.Maintenance, "楼道消防栓箱门坏了", 1, anySeason, pN},
	{ticket.Repair, "维修/消防", team.Maintenance, "安全出口指示灯不亮", 1, anySeason, pN},
	{ticket.Repair, "维修/消防", team.Maintenance, "消防报警器鸣响，楼道有烟味", 0.4, anySeason, pE},

	{ticket.Complaint, "邻里/噪音", team.Security, "楼上深夜有噪音，影响休息", 3, anySeason, pN | pU},
	{ticket.Complaint, "邻里/噪音", team.Security, "隔壁装修周末一早就开始施工", 2, anySeason, pN},
	{ticket.Complaint, "邻里/噪音", team.Security, "广场舞音乐太吵，影响休息", 1.5, summer, pN},
	{ticket.Complaint, "邻里/宠物", team.Security, "有人遛狗不牵绳，吓到小孩", 2, anySeason, pN},
	{ticket.Complaint, "邻里/宠物", team.Security, "草坪上狗粪没人清理", 1.5, anySeason, pN},
	{ticket.Complaint, "邻里/宠物", team.Security, "邻居家狗整夜叫", 1, anySeason, pN},
	{ticket.Complaint, "邻里/违规装修", team.Security, "楼下住户私自拆改承重墙", 0.8, anySeason, pN | pU},
	{ticket.Complaint, "邻里/违规装修", team.Security, "邻居封阳台占用公共部位", 1, anySeason, pN},
	{ticket.Complaint, "邻里/违规装修", team.Security, "装修垃圾堆在楼道里", 1.5, anySeason, pN},
	{ticket.Complaint, "保洁/公共区域", team.Cleaning, "楼道好几天没拖地，很脏", 2, anySeason, pN},
	{ticket.Complaint, "保洁/公共区域", team.Cleaning, "电梯轿厢有异味", 1, summer, pN},
	{ticket.Complaint, "保洁/公共区域", team.Cleaning, "大堂地面有污渍没有清理", 1, anySeason, pN},
	{ticket.Complaint, "保洁/垃圾清运", team.Cleaning, "垃圾桶满了没人清运，气味很大", 2, summer, pN},
	{ticket.Complaint, "保洁/垃圾清运", team.Cleaning, "垃圾分类点垃圾溢出", 1.5, anySeason, pN},
	{ticket.Complaint, "保洁/虫害", team.Cleaning, "地下室老鼠很多", 1, anySeason, pN},
	{ticket.Complaint, "保洁/虫害", team.Cleaning, "绿化带蚊子太多，请安排消杀", 1, summer, pN},
	{ticket.Complaint, "保洁/虫害", team.Cleaning, "楼道里有蟑螂", 1, summer, pN},
	{ticket.Complaint, "安全/门禁", team.Security, "门禁卡失灵，进不了单元门", 1.5, anySeason, pN},
	{ticket.Complaint, "安全/门禁", team.Security, "单元门一直开着，陌生人随意进出", 1.5, anySeason, pN | pU},
	{ticket.Complaint, "安全/车辆停放", team.Security, "有车停在消防通道上", 1.5, anySeason, pN | pU | pE},
	{ticket.Complaint, "安全/车辆停放", team.Security, "我的车位被别人占了", 2, anySeason, pN},
	{ticket.Complaint, "安全/车辆停放", team.Security, "有人在楼道里给电动车充电，有安全隐患", 1.5, anySeason, pN | pU},
	{ticket.Complaint, "安全/可疑人员", team.Security, "有陌生人挨家挨户塞小广告", 1, anySeason, pN},
	{ticket.Complaint, "安全/可疑人员", team.Security, "夜里有可疑人员在车库徘徊", 0.8, anySeason, pN | pU},
	{ticket.Complaint, "安全/可疑人员", team.Security, "小区里有人打架", 0.3, anySeason, pE},
	{ticket.Complaint, "服务/态度", team.Maintenance, "维修师傅态度不好", 1, anySeason, pN},
	{ticket.Complaint, "服务/态度", "", "前台接电话不耐烦", 0.8, anySeason, pN},
	{ticket.Complaint, "服务/态度", team.Security, "保安说话很冲", 0.8, anySeason, pN},
	{ticket.Complaint, "服务/效率", team.Maintenance, "报修三天了还没有人来", 1, anySeason, pN | pU},
	{ticket.Complaint, "服务/效率", "", "上次投诉的问题一直没有回复", 0.8, anySeason, pN},
	{ticket.Complaint, "绿化/修剪", team.Landscaping, "树枝挡住窗户，采光不好", 1, summer, pN},
	{ticket.Complaint, "绿化/修剪", team.Landscaping, "草坪很久没有修剪", 1, summer, pN},
	{ticket.Complaint, "绿化/病虫害", team.Landscaping, "树上有很多虫子掉下来", 0.8, summer, pN},
	{ticket.Complaint, "收费/物业费", "", "物业费上涨没有提前公示", 0.6, anySeason, pN},
	{ticket.Complaint, "维修/电梯", team.Maintenance, "电梯经常坏，修了又坏", 1, anySeason, pN | pU},

	{ticket.Inquiry, "收费/物业费", "", "询问物业费的缴费方式和截止时间", 3, anySeason, pN},
	{ticket.Inquiry, "收费/物业费", "", "想开具物业费发票", 1.5, anySeason, pN},
	{ticket.Inquiry, "收费/水电费", "", "本月水费比平时高很多，想查询原因", 1.5, summer, pN},
	{ticket.Inquiry, "收费/停车费", "", "咨询月租车位的办理流程和价格", 1.5, anySeason, pN},
	{ticket.Inquiry, "其他", "", "咨询装修申请需要准备哪些材料", 1.5, anySeason, pN},
	{ticket.Inquiry, "其他", "", "快递柜在哪里，怎么取件", 1, anySeason, pN},
	{ticket.Inquiry, "其他", "", "询问小区停水通知的具体时间", 1, anySeason, pN},
	{ticket.Inquiry, "其他", "", "咨询房屋出租需要办理什么手续", 1, anySeason, pN},
	{ticket.Inquiry, "安全/门禁", team.Security, "咨询补办门禁卡的费用和手续", 1.5, anySeason, pN},
	{ticket.Inquiry, "维修/公共设施", team.Maintenance, "询问小区充电桩什么时候能装好", 0.8, anySeason, pN},

	{ticket.Suggestion, "绿化/修剪", team.Landscaping, "建议在儿童游乐区多种些遮阴的树", 1, summer, pN},
	{ticket.Suggestion, "安全/车辆停放", team.Security, "建议增加电动车集中充电桩", 1.5, anySeason, pN},
	{ticket.Suggestion, "保洁/垃圾清运", team.Cleaning, "建议垃圾分类点增加洗手池", 1, anySeason, pN},
	{ticket.Suggestion, "服务/效率", "", "建议开通线上查询报修进度", 1, anySeason, pN},
	{ticket.Suggestion, "其他", "", "建议增设快递柜", 1, anySeason, pN},
	{ticket.Suggestion, "其他", "", "建议在小区里增加休息座椅", 1, anySeason, pN},
	{ticket.Suggestion, "维修/公共设施", team.Maintenance, "建议在地下车库增加照明", 1, anySeason, pN},

	{ticket.Praise, "维修/水电", team.Maintenance, "维修师傅修水管又快又好，特此表扬", 2, anySeason, pN},
	{ticket.Praise, "维修/水电", team.Maintenance, "感谢师傅周末加班帮忙修好热水器", 1, winter, pN},
	{ticket.Praise, "保洁/公共区域", team.Cleaning, "保洁阿姨每天打扫得很干净，点赞", 1.5, anySeason, pN},
	{ticket.Praise, "安全/可疑人员", team.Security, "保安帮忙找回走失的老人，非常感谢", 1, anySeason, pN},
	{ticket.Praise, "服务/态度", "", "前台工作人员服务热情，耐心解答问题", 1, anySeason, pN},
	{ticket.Praise, "绿化/修剪", team.Landscaping, "小区绿化越来越漂亮了", 1, anySeason, pN},
}

// Words around the requests.
var (
	historyRepairTail    = []string{"", "", "", "，麻烦尽快安排师傅上门", "，已经好几天了", "，师傅来之前请先打电话"}
	historyComplaintTail = []string{"", "", "", "，希望物业尽快处理", "，已经不是第一次了", "，请物业给个说法"}
	historyPreferred     = []string{"今天下午", "明天上午", "工作日晚上六点以后", "周末全天", "随时可以"}
	historySurnames      = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	historyDone          = map[string][]string{
		"维修": {"已修复，试用正常", "已更换损坏配件，业主确认正常", "已处理完毕，现场已清理干净"},
		"保洁": {"已安排保洁清理完毕", "已完成消杀，后续加强巡查"},
		"安全": {"已到现场处理，并加强巡逻", "已联系相关住户整改"},
		"邻里": {"已上门沟通，双方达成谅解", "已发整改通知，后续跟进"},
		"绿化": {"已修剪完毕", "已喷药处理"},
		"收费": {"已电话答复业主", "已核实并向业主说明"},
		"服务": {"已核实情况，对相关人员进行了批评教育", "已向业主致歉并改进工作"},
		"其他": {"已答复业主"},
	}
	historyDoneByType = map[ticket.Type][]string{
		ticket.Inquiry:    {"已电话答复业主", "已当面解答业主疑问"},
		ticket.Suggestion: {"建议已记录，将在工作例会上研究", "已采纳，正在安排实施"},
		ticket.Praise:     {"已向相关员工转达表扬，感谢业主认可"},
	}
	historyOwnerNotes    = []string{"已联系业主，约好今天下午上门", "师傅已出发，预计半小时内到达", "已告知业主处理进度"}
	historyInternalNotes = []string{"现场查看为楼上管道问题，需协调楼上住户", "需申领配件，已报仓库", "已拍照留档", "该户上月报修过同类问题"}
	historyHoldReasons   = []string{"等待配件到货", "业主不在家，约定改日上门", "需要楼上住户配合检查", "等待厂家维保人员到场"}
	historyResumeNotes   = []string{"", "配件已到，继续处理", "已与业主约好时间"}
	historyCancelEarly   = []string{"重复登记，与之前的工单重复", "业主来电撤销，已自行解决"}
	historyCancelLate    = []string{"业主已自行找人修好", "非物业管辖范围，已告知业主联系相关单位", "业主暂不需要处理"}
	historyReopenReasons = []string{"业主来电反映问题再次出现", "业主反映维修后又坏了"}
	historyUnreached     = []string{"无人接听", "电话占线", "关机"}
	historyCallbackWords = [6][]string{{}, {"问题没有彻底解决", "等了太久，很不满意"}, {"问题没有彻底解决", "师傅态度不好"},
		{"处理速度有点慢", "一般"}, {"", "还可以", "总体满意"}, {"", "很满意", "师傅很专业，谢谢"}}
)

func pickFrom[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// pickWeighted draws an index with the given weights.
func pickWeighted(r *rand.Rand, w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	x := r.Float64() * total
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

func scale(d time.Duration, f float64) time.Duration {
	return time.Duration(float64(d) * f).Truncate(time.Second)
}

func minutes(r *rand.Rand, lo, hi float64) time.Duration {
	return time.Duration((lo + r.Float64()*(hi-lo)) * float64(time.Minute)).Truncate(time.Second)
}

// generate plays every ticket's life, then makes sure each open state of
// the queues has a few recent tickets in it.
func (g *historyGen) generate() {
	g.draw()
	g.results = make([]*sim, len(g.drafts))
	for i := range g.drafts {
		g.results[i] = g.play(i, playOptions{})
		if g.err != nil {
			return
		}
	}
	g.fillQueues()
}

// draw picks when each ticket comes in and by which channel, weighted by
// weekday, season and hour, and sorts them in time.
func (g *historyGen) draw() {
	r := rand.New(rand.NewPCG(uint64(g.opt.Seed), 0x5eed))
	now := g.opt.Now.In(g.loc)
	first := g.start.In(g.loc)
	var days []time.Time
	var weights []float64
	day := time.Date(first.Year(), first.Month(), first.Day(), 12, 0, 0, 0, g.loc)
	last := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, g.loc)
	n := int(last.Sub(day).Hours()/24) + 1
	hourTotal := 0.0
	for _, w := range historyHours {
		hourTotal += w
	}
	for i := 0; !day.After(last); i++ {
		w := historyWeekday[day.Weekday()] * historyMonth[day.Month()] * (0.9 + 0.2*float64(i)/float64(n))
		if i == n-1 {
			// Today has only had its first hours.
			done := 0.0
			for h, hw := range historyHours {
				if h < now.Hour() {
					done += hw
				}
			}
			w *= (done + historyHours[now.Hour()]*float64(now.Minute())/60) / hourTotal
		}
		days = append(days, day)
		weights = append(weights, w)
		day = day.AddDate(0, 0, 1)
	}
	cum := make([]float64, len(weights))
	total := 0.0
	for i, w := range weights {
		total += w
		cum[i] = total
	}
	g.drafts = make([]draft, g.opt.Count)
	for i := range g.drafts {
		ch := historyChannels[pickWeighted(r, historyChanMix)]
		hours := historyHours
		if ch == ticket.WalkIn || ch == ticket.Letter {
			hours = historyDesk
		}
		var at time.Time
		for try := 0; ; try++ {
			d := days[sort.SearchFloat64s(cum, r.Float64()*total)]
			h := pickWeighted(r, hours)
			lo, hi := 0, 60
			if ch == ticket.WalkIn || ch == ticket.Letter {
				// The desk opens at half past eight and closes at half
				// past five, with lunch until half past one.
				switch h {
				case 8, 13:
					lo = 30
				case 17:
					hi = 30
				}
			}
			at = time.Date(d.Year(), d.Month(), d.Day(), h, lo+r.IntN(hi-lo), r.IntN(60), 0, g.loc).UTC()
			if !at.After(g.opt.Now) && !at.Before(g.start) {
				break
			}
			if try > 50 {
				at = g.opt.Now.Add(-minutes(r, 1, 120))
				break
			}
		}
		g.drafts[i] = draft{at: at, channel: ch}
	}
	sort.SliceStable(g.drafts, func(a, b int) bool { return g.drafts[a].at.Before(g.drafts[b].at) })
}

// playOptions steer a ticket's life so that the queues have something in
// every open state: freeze it once it reaches a state, with a hold, or
// with a call-back that just failed.
type playOptions struct {
	freeze   ticket.State
	callback string // with freeze Completed: the call-back state to stop in
	hold     bool
	retry    bool
}

// play draws ticket i and plays its life up to Now.
func (g *historyGen) play(i int, po playOptions) *sim {
	d := g.drafts[i]
	r := rand.New(rand.NewPCG(uint64(g.opt.Seed), uint64(i)+1))
	s := &sim{g: g, r: r, po: po, now: d.at, created: d.at}
	g.ids.reset()
	id := g.ids.next(d.at)
	if i == 0 {
		id = historyMarker(g.tenantID)
	}
	s.draw(id, d)
	s.life()
	s.fire(g.opt.Now)
	if s.err != nil {
		g.err = s.err
	}
	s.tk.UpdatedAt = s.tk.CreatedAt
	if n := len(s.entries); n > 0 {
		s.tk.UpdatedAt = s.entries[n-1].At
	}
	return s
}

// queueTargets are the open states the queues should show.
var queueTargets = []playOptions{
	{freeze: ticket.Received},
	{freeze: ticket.Dispatched},
	{freeze: ticket.Accepted},
	{freeze: ticket.InProgress},
	{freeze: ticket.OnHold, hold: true},
	{freeze: ticket.Completed, callback: ticket.CallbackDue},
	{freeze: ticket.Completed, callback: ticket.CallbackRetry, retry: true},
}

func (po playOptions) reached(tk *ticket.Ticket) bool {
	return tk.Status == po.freeze && (po.callback == "" || tk.CallbackState == po.callback)
}

// fillQueues stops a few of the latest finished tickets in the open states
// that nothing is in by chance, as if their next step was still to come.
func (g *historyGen) fillQueues() {
	want := 1 + len(g.drafts)/2500
	used := map[int]bool{}
	for _, target := range queueTargets {
		have := 0
		for _, s := range g.results {
			if target.reached(s.tk) {
				have++
			}
		}
		tried := 0
		for i := len(g.results) - 1; i >= 0 && have < want && tried < 200; i-- {
			s := g.results[i]
			// Only a normal request may wait: an urgent one left standing
			// would look like negligence, not a queue.
			if used[i] || (s.tk.Status != ticket.Closed && s.tk.Status != ticket.FollowedUp) || s.tk.ReopenCount > 0 || s.tk.Priority != ticket.Normal ||
				(target.callback != "" && !g.settings.CallsBack(s.tk.Type)) {
				continue
			}
			tried++
			alt := g.play(i, target)
			if g.err != nil {
				return
			}
			if target.reached(alt.tk) {
				g.results[i] = alt
				used[i] = true
				have++
			}
		}
	}
}

// sim is one ticket's life, played by the rules of the service: the same
// moves, fields, timeline entries, timers and escalations.
type sim struct {
	g        *historyGen
	r        *rand.Rand
	po       playOptions
	created  time.Time
	now      time.Time // the time of the last thing that happened
	frozen   bool
	err      error
	tk       *ticket.Ticket
	est      *histEstate
	tpl      *historyTemplate
	team     *histTeam
	worker   *uuid.UUID // who does the team's work on the timeline
	clerk    uuid.UUID
	cal      *ticket.Calendar // the deadlines' calendar
	pol      ticket.Policy
	late     bool      // the job will miss its resolution deadline
	accept   time.Time // when the team first answers
	timers   []simTimer
	entries  []ticket.Entry
	calls    []ticket.Callback
	breached bool
}

// The simulated timers, named as the ticket service's work names its jobs'
// timers.
const (
	timerWarn     = "warn"
	timerResponse = "response"
	timerResolve  = "resolve"
	timerLevel    = "level"
)

// priorities in the order of the draws' weights.
var priorities = []ticket.Priority{ticket.Normal, ticket.Urgent, ticket.Emergency}

type simTimer struct {
	at        time.Time
	what      string // timerResponse, timerWarn, timerResolve, timerLevel, "callback", "followup"
	gen       int
	level     ticket.Level
	attempt   int
	completed time.Time
}

// draw picks the request: estate, caller, type, category, priority, team.
func (s *sim) draw(id uuid.UUID, d draft) {
	g, r := s.g, s.r
	s.est = g.estates[pickWeighted(r, g.weights)]
	e := s.est
	s.clerk = pickFrom(r, e.desk)
	ty := historyTypes[pickWeighted(r, historyTypeMix)]
	prio := ticket.Normal
	if mix, ok := historyPrioMix[ty]; ok {
		prio = priorities[pickWeighted(r, mix)]
	}
	local := d.at.In(g.loc)
	season := anySeason
	switch local.Month() {
	case 6, 7, 8:
		season = summer
	case 12, 1, 2:
		season = winter
	}
	mask := map[ticket.Priority]int{ticket.Normal: pN, ticket.Urgent: pU, ticket.Emergency: pE}[prio]
	var cands []*historyTemplate
	var weights []float64
	for i := range historyTemplates {
		t := &historyTemplates[i]
		if t.typ != ty || t.prios&mask == 0 {
			continue
		}
		w := t.weight
		switch {
		case t.season == anySeason:
		case t.season == season:
			w *= 3
		default:
			w *= 0.25
		}
		cands = append(cands, t)
		weights = append(weights, w)
	}
	s.tpl = cands[pickWeighted(r, weights)]
	tk := &ticket.Ticket{TenantID: g.tenantID, ID: id, EstateID: e.id, Channel: d.channel, Type: ty, Priority: prio,
		Status: ticket.Received, CreatedAt: d.at, UpdatedAt: d.at}
	s.tk = tk
	root, _, _ := strings.Cut(s.tpl.cat, "/")
	if c := g.cats[s.tpl.cat]; c != nil {
		tk.CategoryID = c
	} else if c := g.cats[root]; c != nil {
		tk.CategoryID = c
	}
	tk.Description = s.tpl.text
	// What an owner adds about a normal request would sound odd after an
	// urgent one.
	switch {
	case ty == ticket.Repair && prio == ticket.Normal:
		tk.Description += pickFrom(r, historyRepairTail)
		if r.Float64() < 0.35 {
			tk.PreferredTime = pickFrom(r, historyPreferred)
		}
	case ty == ticket.Complaint:
		if prio == ticket.Normal {
			tk.Description += pickFrom(r, historyComplaintTail)
		}
		tk.Major = r.Float64() < 0.03
	}
	// One caller in ten gives no unit: a passer-by, a tenant not on
	// record, someone calling about a public area.
	if r.Float64() < 0.1 || len(e.units) == 0 {
		tk.CallerName = string(historySurnames[r.IntN(len(historySurnames))]) + pickFrom(r, []string{"先生", "女士"})
		tk.CallerPhone = fmt.Sprintf("1%d%d%08d", 3+r.IntN(6), r.IntN(10), r.IntN(100_000_000))
	} else {
		u := e.units[r.IntN(len(e.units))]
		tk.UnitID = &u.id
		if u.person != nil {
			tk.PersonID, tk.CallerName = u.person, u.name
		} else {
			tk.CallerName = string(historySurnames[r.IntN(len(historySurnames))]) + pickFrom(r, []string{"先生", "女士"})
			tk.CallerPhone = fmt.Sprintf("1%d%d%08d", 3+r.IntN(6), r.IntN(10), r.IntN(100_000_000))
		}
	}
	tk.CreatedBy, tk.ReceivedBy = s.clerk, s.clerk
	if d.channel == ticket.Staff && len(e.field) > 0 {
		// A guard or a repairman heard it and passed it on.
		tk.ReceivedBy = pickFrom(r, e.field)
	}
	s.team = e.byKind[s.tpl.team]
	if s.team == nil {
		for _, k := range []team.Kind{team.Custom, team.Security, team.Maintenance} {
			if s.team = e.byKind[k]; s.team != nil {
				break
			}
		}
	}
	if s.team == nil {
		s.team = e.teams[0]
	}
	s.worker = s.pickWorker(s.team)
	var ancestry []uuid.UUID
	if tk.CategoryID != nil {
		ancestry = g.ancestry[*tk.CategoryID]
	}
	s.pol = ticket.PickPolicy(g.policies, ty, ancestry, prio)
	tk.Clock, s.cal = s.pol.Clock, e.office
	if tk.Clock == ticket.AroundTheClock {
		s.cal = g.always
	}
}

// due is the deadline minutes of the ticket's open time after t, as due
// is; none for 0.
func (s *sim) due(t time.Time, minutes int) *time.Time {
	if minutes == 0 {
		return nil
	}
	at := s.add(s.cal, t, time.Duration(minutes)*time.Minute)
	return &at
}

// pickWorker names the team's worker: a member, now and then the leader;
// nobody when the team has neither (its tickets wait in the pool).
func (s *sim) pickWorker(t *histTeam) *uuid.UUID {
	if t.leader != nil && (len(t.members) == 0 || s.r.Float64() < 0.15) {
		l := *t.leader
		return &l
	}
	if len(t.members) > 0 {
		m := pickFrom(s.r, t.members)
		return &m
	}
	return nil
}

// fieldActor is who records the team's work: the worker, the leader, or
// the desk on their behalf.
func (s *sim) fieldActor() *uuid.UUID {
	switch {
	case s.tk.AssigneeID != nil:
		return s.tk.AssigneeID
	case s.team != nil && s.team.leader != nil:
		return s.team.leader
	}
	c := s.clerk
	return &c
}

func (s *sim) desk() *uuid.UUID {
	c := s.clerk
	return &c
}

// add is t plus d of the calendar's open time, in UTC.
func (s *sim) add(c *ticket.Calendar, t time.Time, d time.Duration) time.Time {
	at, err := c.Add(t, d, nil)
	if err != nil {
		s.err = err
		return t.Add(d)
	}
	return at.UTC()
}

// work is t plus d of the team's working time: office hours for a normal
// request, at once for an urgent one or an emergency.
func (s *sim) work(t time.Time, d time.Duration) time.Time {
	if s.tk.Priority == ticket.Normal {
		return s.add(s.est.office, t, d)
	}
	return t.Add(d)
}

// open reports whether the office is open at t.
func (s *sim) open(t time.Time) bool {
	return s.add(s.est.office, t, time.Minute).Equal(t.Add(time.Minute))
}

// at moves the clock to t for the next step: the timers due by then fire
// first. A step after Now, or after the ticket froze, does not happen.
func (s *sim) at(t time.Time) (time.Time, bool) {
	if s.frozen || s.err != nil {
		return t, false
	}
	t = t.Truncate(time.Second)
	if t.Before(s.now) {
		t = s.now
	}
	if t.After(s.g.opt.Now) {
		return t, false
	}
	s.fire(t)
	s.now = t
	return t, s.err == nil
}

func (s *sim) entry(at time.Time, actor *uuid.UUID, kind string, body string, data map[string]any) *ticket.Entry {
	e := ticket.Entry{TenantID: s.tk.TenantID, ID: s.g.ids.next(at), TicketID: s.tk.ID, At: at, ActorID: actor, Kind: kind, Body: body}
	if len(data) > 0 {
		b, _ := json.Marshal(data)
		e.Data = string(b)
	}
	s.entries = append(s.entries, e)
	return &s.entries[len(s.entries)-1]
}

// move applies ev at t through the state machine, as work.move does.
func (s *sim) move(t time.Time, actor *uuid.UUID, ev ticket.Event, body string, data map[string]any) bool {
	from := s.tk.Status
	to, err := ticket.Next(from, ev)
	if err != nil {
		s.err = err
		return false
	}
	s.tk.Status = to
	e := s.entry(t, actor, string(ev), body, data)
	e.FromStatus, e.ToStatus = from, to
	return true
}

// settle freezes the ticket once it reached the state asked for.
func (s *sim) settle() bool {
	if s.po.freeze != "" && s.po.reached(s.tk) {
		s.frozen = true
	}
	return !s.frozen
}

// schedule sets the deadline timers, as scheduleDeadlines does.
func (s *sim) schedule(now time.Time) {
	tk := s.tk
	tk.SLAGen++
	if tk.ResponseDue != nil && tk.RespondedAt == nil {
		s.timers = append(s.timers, simTimer{at: *tk.ResponseDue, what: timerResponse, gen: tk.SLAGen})
	}
	if tk.ResolveDue == nil || tk.CompletedAt != nil {
		return
	}
	s.timers = append(s.timers, simTimer{at: *tk.ResolveDue, what: timerResolve, gen: tk.SLAGen})
	if tk.WarnedAt != nil {
		return
	}
	open := s.cal.Elapsed(now, *tk.ResolveDue, nil)
	warn := s.add(s.cal, now, open*time.Duration(s.g.settings.WarnPercent)/100)
	s.timers = append(s.timers, simTimer{at: warn, what: timerWarn, gen: tk.SLAGen})
}

// fire runs the timers due by until, in time order, as the job workers
// would have.
func (s *sim) fire(until time.Time) {
	for s.err == nil {
		next := -1
		for i, t := range s.timers {
			if !t.at.After(until) && (next < 0 || t.at.Before(s.timers[next].at)) {
				next = i
			}
		}
		if next < 0 {
			return
		}
		t := s.timers[next]
		s.timers = slices.Delete(s.timers, next, next+1)
		at := t.at.UTC().Truncate(time.Second)
		if at.Before(s.now) {
			at = s.now
		}
		s.now = at
		s.ring(at, t)
	}
}

func (s *sim) ring(at time.Time, t simTimer) {
	tk := s.tk
	running := tk.Status.Open() && tk.HoldSince == nil && tk.CompletedAt == nil
	if (t.what == timerResponse || t.what == timerWarn || t.what == timerResolve) && (!running || tk.SLAGen != t.gen) {
		return
	}
	switch t.what {
	case timerResponse:
		if tk.RespondedAt != nil || tk.ResponseBreachedAt != nil {
			return
		}
		tk.ResponseBreachedAt = &at
		s.entry(at, nil, ticket.KindResponseBreach, "", map[string]any{"due": tk.ResponseDue})
	case timerWarn:
		if tk.WarnedAt != nil {
			return
		}
		tk.WarnedAt = &at
		s.entry(at, nil, ticket.KindWarning, "", map[string]any{"due": tk.ResolveDue})
		s.escalateOn(at, ticket.OnWarning)
	case timerResolve:
		if tk.ResolveBreachedAt != nil {
			return
		}
		tk.ResolveBreachedAt = &at
		s.breached = true
		s.entry(at, nil, ticket.KindResolveBreach, "", map[string]any{"due": tk.ResolveDue})
		s.escalateOn(at, ticket.OnBreach)
	case timerLevel:
		if t.level.Trigger == ticket.OnMajor && !tk.Status.Open() {
			return
		}
		if t.level.Trigger != ticket.OnMajor && (!running || tk.SLAGen != t.gen) {
			return
		}
		s.escalate(at, t.level)
	case "callback":
		if tk.Status != ticket.Completed || tk.CallbackState != ticket.CallbackRetry || tk.CallbackAttempts != t.attempt {
			return
		}
		tk.CallbackState, tk.CallbackDue = ticket.CallbackDue, &at
		s.entry(at, nil, ticket.KindCallbackRetry, "", map[string]any{"attempt": t.attempt + 1})
	case "followup":
		if tk.CompletedAt == nil || !tk.CompletedAt.Equal(t.completed) || tk.FollowedUpAt != nil || tk.FollowupMissed {
			return
		}
		tk.FollowupMissed = true
		s.entry(at, nil, ticket.KindFollowupMissed, "", nil)
	}
}

func (s *sim) escalateOn(at time.Time, tr ticket.Trigger) {
	for _, l := range s.g.ladder {
		if l.Trigger != tr {
			continue
		}
		if l.AfterMinutes == 0 {
			s.escalate(at, l)
			continue
		}
		s.timers = append(s.timers, simTimer{at: at.Add(time.Duration(l.AfterMinutes) * time.Minute), what: timerLevel, gen: s.tk.SLAGen, level: l})
	}
}

func (s *sim) escalate(at time.Time, l ticket.Level) {
	users := []uuid.UUID{}
	if l.NotifyRole != "" {
		role := rbac.Role(l.NotifyRole)
		users = s.g.holders(s.est.id, role)
		if role == rbac.TeamLeader && s.tk.TeamID != nil {
			for _, t := range s.est.teams {
				if t.id == *s.tk.TeamID && t.leader != nil {
					users = []uuid.UUID{*t.leader}
				}
			}
		}
	}
	s.entry(at, nil, ticket.KindEscalated, "", map[string]any{
		"level": l.Position, "trigger": l.Trigger, "role": l.NotifyRole, "emails": l.Emails(), "users": users,
	})
}

// life is the ticket's course from intake to close; every step stops the
// play when it would fall after Now.
func (s *sim) life() {
	r, tk := s.r, s.tk
	t0 := s.created
	by := tk.CreatedBy
	s.entry(t0, &by, ticket.KindCreated, "", nil).ToStatus = ticket.Received
	tk.ResponseDue, tk.ResolveDue = s.due(t0, s.pol.ResponseMinutes), s.due(t0, s.pol.ResolveMinutes)
	s.schedule(t0)
	if tk.Major {
		s.escalateOn(t0, ticket.OnMajor)
	}
	if !s.settle() {
		return
	}
	roll := r.Float64()
	if roll < 0.01 {
		if t, ok := s.at(t0.Add(minutes(r, 5, 90))); ok {
			s.cancel(t, pickFrom(r, historyCancelEarly))
		}
		return
	}
	cancelLate := roll < 0.02
	// The team answers within the response window, but for a few.
	respond := 0.25 + 0.7*r.Float64()
	if r.Float64() < 0.05 {
		respond = 1.1 + 3*r.Float64()
	}
	// Without a response deadline (praise, suggestions) the team still
	// answers within the usual half hour.
	window := time.Duration(cmp.Or(s.pol.ResponseMinutes, 30)) * time.Minute
	s.accept = s.add(s.cal, t0, scale(window, respond))
	// A request on the phone or at the desk is dispatched at once while
	// the office is open; a web, API or letter request, or one at night,
	// waits for the office, unless it cannot wait.
	var td time.Time
	switch {
	case tk.Priority != ticket.Normal:
		td = t0.Add(minutes(r, 2, 12))
	case (tk.Channel == ticket.Phone || tk.Channel == ticket.WalkIn || tk.Channel == ticket.Staff) && s.open(t0):
		td = t0.Add(minutes(r, 2, 15))
	case tk.Channel == ticket.Phone && r.Float64() < 0.4:
		td = t0.Add(minutes(r, 5, 30))
	default:
		td = s.add(s.est.office, t0, scale(window, respond*(0.2+0.6*r.Float64())))
	}
	if !td.Before(s.accept) {
		td = t0.Add(scale(s.accept.Sub(t0), 0.2+0.6*r.Float64()))
	}
	s.late = r.Float64() < map[ticket.Priority]float64{ticket.Normal: 0.075, ticket.Urgent: 0.06, ticket.Emergency: 0.05}[tk.Priority]
	if !s.fieldWork(td, true, cancelLate) {
		return
	}
	s.followUp(true)
}

// fieldWork is dispatch → accept → start → (hold → resume) → complete.
// The first round keeps to the plan drawn for the ticket's deadlines; a
// rework after a reopen is quick.
func (s *sim) fieldWork(td time.Time, first, cancelLate bool) bool {
	r, tk := s.r, s.tk
	team := s.team
	if first && r.Float64() < 0.02 && len(s.est.teams) > 1 {
		// Sent to the wrong team first, and passed on.
		for _, t := range s.est.teams {
			if t != s.team {
				team = t
				break
			}
		}
	}
	t, ok := s.at(td)
	if !ok || !s.dispatch(t, team, ticket.Dispatch, "") || !s.settle() {
		return false
	}
	if team != s.team {
		if t, ok = s.at(s.add(s.est.office, t, minutes(r, 10, 90))); !ok || !s.dispatch(t, s.team, ticket.Transfer, "非本班组处理范围，转派") {
			return false
		}
	}
	if cancelLate {
		if t, ok = s.at(t.Add(minutes(r, 20, 600))); ok {
			s.cancel(t, pickFrom(r, historyCancelLate))
		}
		return false
	}
	ta := s.accept
	if !first {
		ta = s.work(t, minutes(r, 10, 60))
	}
	if min := t.Add(minutes(r, 1, 5)); ta.Before(min) {
		ta = min
	}
	if t, ok = s.at(ta); !ok || !s.move(t, s.fieldActor(), ticket.Accept, "", nil) {
		return false
	}
	if tk.RespondedAt == nil {
		at := t
		tk.RespondedAt = &at
	}
	if !s.settle() {
		return false
	}
	switch {
	case tk.Type == ticket.Inquiry || tk.Type == ticket.Praise:
		t = t.Add(minutes(r, 1, 15))
	case tk.Priority == ticket.Normal:
		t = s.work(t, minutes(r, 10, 120))
	default:
		t = t.Add(minutes(r, 5, 40))
	}
	if t, ok = s.at(t); !ok || !s.move(t, s.fieldActor(), ticket.Start, "", nil) || !s.settle() {
		return false
	}
	from := t
	hold := first && (s.po.hold || (tk.Type == ticket.Repair && r.Float64() < 0.09) || (tk.Type == ticket.Complaint && r.Float64() < 0.03))
	if hold {
		if t, ok = s.at(s.work(t, minutes(r, 10, 90))); !ok || !s.move(t, s.fieldActor(), ticket.Hold, pickFrom(r, historyHoldReasons), nil) {
			return false
		}
		since := t
		tk.HoldSince = &since
		if !s.settle() {
			return false
		}
		if t, ok = s.at(s.add(s.est.office, t, minutes(r, 120, 960))); !ok || !s.move(t, s.fieldActor(), ticket.Resume, pickFrom(r, historyResumeNotes), nil) {
			return false
		}
		s.resume(t)
		if !s.settle() {
			return false
		}
		from = t
	}
	// Complete: comfortably in time, or late for the few drawn so.
	var tc time.Time
	switch {
	case !first || tk.ResolveDue == nil:
		tc = s.work(from, minutes(r, 60, 480))
	case s.late:
		tc = s.add(s.cal, *tk.ResolveDue, minutes(r, 30, 960))
	default:
		left := s.cal.Elapsed(from, *tk.ResolveDue, nil)
		frac := 0.04 + 0.86*math.Pow(r.Float64(), 1.6)
		tc = s.add(s.cal, from, scale(left, frac))
	}
	if min := from.Add(minutes(r, 5, 20)); tc.Before(min) {
		tc = min
	}
	if r.Float64() < 0.25 {
		at := from.Add(scale(tc.Sub(from), 0.1+0.8*r.Float64()))
		if at, ok = s.at(at); !ok {
			return false
		}
		if r.Float64() < 0.5 {
			s.entry(at, s.fieldActor(), ticket.KindComment, pickFrom(r, historyOwnerNotes), nil).OwnerVisible = true
		} else {
			s.entry(at, s.fieldActor(), ticket.KindComment, pickFrom(r, historyInternalNotes), nil)
		}
	}
	if t, ok = s.at(tc); !ok || !s.move(t, s.fieldActor(), ticket.Complete, s.doneNote(), nil) {
		return false
	}
	s.completed(t)
	return s.settle()
}

func (s *sim) doneNote() string {
	if words, ok := historyDoneByType[s.tk.Type]; ok {
		return pickFrom(s.r, words)
	}
	root, _, _ := strings.Cut(s.tpl.cat, "/")
	if words, ok := historyDone[root]; ok {
		return pickFrom(s.r, words)
	}
	return "已处理完毕"
}

func (s *sim) dispatch(t time.Time, team *histTeam, ev ticket.Event, reason string) bool {
	tk := s.tk
	worker := s.worker
	if team != s.team {
		worker = s.pickWorker(team)
	}
	tk.TeamID, tk.AssigneeID, tk.DispatchMode = &team.id, worker, ticket.Direct
	data := map[string]any{"team_id": tk.TeamID, "mode": tk.DispatchMode}
	if worker != nil {
		data["assignee_id"] = worker
	}
	return s.move(t, s.desk(), ev, reason, data)
}

// resume moves the deadlines by the open time the hold took, as
// resumeDeadlines does.
func (s *sim) resume(now time.Time) {
	tk := s.tk
	since := tk.HoldSince
	tk.HoldSince = nil
	shift := func(due *time.Time) *time.Time {
		if due == nil || !due.After(*since) {
			return due
		}
		at := s.add(s.cal, now, s.cal.Elapsed(*since, *due, nil))
		return &at
	}
	if tk.RespondedAt == nil {
		tk.ResponseDue = shift(tk.ResponseDue)
	}
	tk.ResolveDue = shift(tk.ResolveDue)
	s.schedule(now)
}

// completed stops the clock and queues the call-back, as work.completed
// does.
func (s *sim) completed(now time.Time) {
	tk := s.tk
	tk.CompletedAt = &now
	if tk.RespondedAt == nil {
		tk.RespondedAt = &now
	}
	if !s.g.settings.CallsBack(tk.Type) {
		return
	}
	tk.CallbackState, tk.CallbackDue, tk.CallbackAttempts = ticket.CallbackDue, &now, 0
	tk.FollowedUpAt = nil
	s.timers = append(s.timers, simTimer{at: now.AddDate(0, 0, s.g.settings.FollowupDays), what: "followup", completed: now})
}

// followUp is what follows completion: the call-backs (回访) and the
// close, a reopen when the owner is not satisfied.
func (s *sim) followUp(first bool) {
	r, tk := s.r, s.tk
	st := s.g.settings
	tc := *tk.CompletedAt
	if !st.CallsBack(tk.Type) {
		if t, ok := s.at(s.add(s.est.office, tc, minutes(r, 10, 480))); ok {
			s.close(t, "")
			s.ownerReopen(first)
		}
		return
	}
	var t time.Time
	switch {
	case s.po.retry:
		// Called a moment ago and not reached: the retry is still ahead.
		t = s.g.opt.Now.Add(-minutes(r, 5, float64(st.CallbackRetryMinutes)-10))
		if !t.After(tc.Add(5 * time.Minute)) {
			s.frozen = true
			return
		}
	case first && r.Float64() < 0.03:
		// Forgotten past the follow-up window, then called late.
		t = s.add(s.est.office, tc.AddDate(0, 0, st.FollowupDays), minutes(r, 30, 600))
	default:
		t = s.add(s.est.office, tc, minutes(r, 15, 300))
		if limit := tc.AddDate(0, 0, st.FollowupDays).Add(-time.Hour); t.After(limit) {
			t = tc.Add(minutes(r, 60, 1200))
		}
	}
	for attempt := 1; ; attempt++ {
		reach := historyReach[min(attempt, len(historyReach))-1]
		reached := r.Float64() < reach || (!first && attempt == 1 && r.Float64() < 0.8)
		if s.po.retry && attempt == 1 {
			reached = false
		}
		var ok bool
		if t, ok = s.at(t); !ok {
			return
		}
		if !reached {
			s.callback(t, false, 0, 0, 0, pickFrom(r, historyUnreached))
			if !s.settle() {
				return
			}
			if tk.CallbackState == ticket.CallbackUnreachable {
				if t, ok = s.at(s.add(s.est.office, t, minutes(r, 10, 600))); ok {
					s.close(t, "多次回访未接通，结单")
					s.ownerReopen(first)
				}
				return
			}
			t = s.add(s.est.office, t.Add(time.Duration(st.CallbackRetryMinutes)*time.Minute), minutes(r, 0, 60))
			continue
		}
		overall, speed, attitude := s.scores(first)
		s.callback(t, true, overall, speed, attitude, pickFrom(r, historyCallbackWords[overall]))
		if s.err != nil || !s.settle() {
			return
		}
		if tk.Status == ticket.Reopened {
			// The dissatisfied owner's problem is worked again.
			if s.fieldWork(s.add(s.est.office, t, minutes(r, 10, 60)), false, false) {
				s.followUp(false)
			}
			return
		}
		if r.Float64() < 0.65 {
			if t, ok = s.at(s.add(s.est.office, t, minutes(r, 30, 2880))); ok {
				s.close(t, "")
				s.ownerReopen(first)
			}
		}
		return
	}
}

// scores are the owner's marks, lower after a late job; a second round is
// never marked down again.
func (s *sim) scores(first bool) (overall, speed, attitude int) {
	r := s.r
	dist := historyScores
	if s.breached {
		dist = historyLateScores
	}
	overall = 1 + pickWeighted(r, dist)
	if !first && overall <= ticket.Dissatisfied {
		overall = 3 + r.IntN(3)
	}
	clamp := func(v int) int { return max(1, min(5, v)) }
	speed = clamp(overall + pickWeighted(r, []float64{0.2, 0.6, 0.2}) - 1)
	if s.breached {
		speed = clamp(speed - r.IntN(2))
	}
	attitude = clamp(overall + pickWeighted(r, []float64{0.1, 0.6, 0.3}) - 1)
	return overall, speed, attitude
}

// callback records an attempt, as RecordCallback does.
func (s *sim) callback(now time.Time, reached bool, overall, speed, attitude int, comment string) {
	tk := s.tk
	st := s.g.settings
	tk.CallbackAttempts++
	by := s.clerk
	s.calls = append(s.calls, ticket.Callback{TenantID: tk.TenantID, ID: s.g.ids.next(now), TicketID: tk.ID, Attempt: tk.CallbackAttempts,
		Reached: reached, Overall: overall, Speed: speed, Attitude: attitude, Comment: comment, ByID: by, At: now})
	data := map[string]any{"attempt": tk.CallbackAttempts, "reached": reached}
	if !reached {
		if tk.CallbackAttempts >= st.CallbackMaxAttempts {
			tk.CallbackState, tk.CallbackDue = ticket.CallbackUnreachable, nil
			data["gave_up"] = true
		} else {
			due := ticket.RetryAt(s.est.office, now, st.CallbackRetryMinutes)
			tk.CallbackState, tk.CallbackDue = ticket.CallbackRetry, &due
			data["retry_at"] = due
			s.timers = append(s.timers, simTimer{at: due, what: "callback", attempt: tk.CallbackAttempts})
		}
		s.entry(now, &by, ticket.KindCallback, comment, data)
		return
	}
	tk.CallbackState, tk.CallbackDue, tk.FollowedUpAt, tk.Satisfaction = ticket.CallbackDone, nil, &now, overall
	data["overall"], data["speed"], data["attitude"] = overall, speed, attitude
	if !s.move(now, &by, ticket.FollowUp, comment, data) {
		return
	}
	if overall <= ticket.Dissatisfied {
		s.reopen(now, nil, comment)
	}
}

// reopen brings the ticket back with new deadlines, as work.reopen does.
func (s *sim) reopen(now time.Time, actor *uuid.UUID, reason string) {
	tk := s.tk
	if !s.move(now, actor, ticket.Reopen, reason, nil) {
		return
	}
	tk.ReopenCount++
	tk.ClosedAt, tk.CallbackState, tk.CallbackDue = nil, "", nil
	tk.TeamID, tk.AssigneeID, tk.DispatchMode = nil, nil, ""
	tk.ResolveDue, tk.CompletedAt, tk.WarnedAt = s.due(now, s.pol.ResolveMinutes), nil, nil
	s.schedule(now)
}

// ownerReopen: now and then the problem comes back after the close, and
// the owner calls again.
func (s *sim) ownerReopen(first bool) {
	r := s.r
	if !first || s.tk.Status != ticket.Closed || r.Float64() >= 0.012 {
		return
	}
	t, ok := s.at(s.tk.ClosedAt.Add(minutes(r, 24*60, 15*24*60)))
	if !ok {
		return
	}
	s.reopen(t, s.desk(), pickFrom(r, historyReopenReasons))
	if !s.settle() {
		return
	}
	if s.fieldWork(s.add(s.est.office, t, minutes(r, 10, 60)), false, false) {
		s.followUp(false)
	}
}

func (s *sim) close(now time.Time, note string) {
	if !s.move(now, s.desk(), ticket.Close, note, nil) {
		return
	}
	s.tk.ClosedAt = &now
	if s.tk.CallbackState == ticket.CallbackDue || s.tk.CallbackState == ticket.CallbackRetry {
		s.tk.CallbackState = ""
	}
}

func (s *sim) cancel(now time.Time, reason string) {
	if !s.move(now, s.desk(), ticket.Cancel, reason, nil) {
		return
	}
	s.tk.ClosedAt = &now
	s.tk.CallbackState = ""
}

// idSource makes version 7 UUIDs from the seed: time-ordered like the
// service's, and, within one ticket, in the order the rows were made, so
// that a timeline sorted by (at, id) replays right even when two entries
// share an instant.
type idSource struct {
	r      *rand.Rand
	lastMs int64
	seq    uint16
}

func (s *idSource) reset() { s.lastMs = -1 }

func (s *idSource) next(t time.Time) uuid.UUID {
	ms := t.UnixMilli()
	if ms <= s.lastMs {
		ms = s.lastMs
		s.seq++
		if s.seq > 0xfff {
			ms, s.seq = ms+1, 0
		}
	} else {
		s.seq = uint16(s.r.Uint64() & 0x3ff)
	}
	s.lastMs = ms
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[0:8], uint64(ms)<<16)
	u[6] = 0x70 | byte(s.seq>>8)
	u[7] = byte(s.seq)
	binary.BigEndian.PutUint64(u[8:16], s.r.Uint64())
	u[8] = u[8]&0x3f | 0x80
	return u
}

// number takes the numbers of each day in one statement, the way the
// service reserves a block: the counters end above every number used, so
// live creates carry on after the history, even on days that already had
// tickets.
func (g *historyGen) number(ctx context.Context, tx bun.Tx) error {
	type dayCount struct {
		day string
		n   int64
	}
	var days []dayCount
	dayOf := make([]string, len(g.results))
	for i, s := range g.results {
		d := s.tk.CreatedAt.In(g.loc).Format("20060102")
		dayOf[i] = d
		if len(days) == 0 || days[len(days)-1].day != d {
			days = append(days, dayCount{day: d})
		}
		days[len(days)-1].n++
	}
	next := map[string]int64{}
	for chunk := range slices.Chunk(days, historyBatch) {
		var b strings.Builder
		args := make([]any, 0, 3*len(chunk))
		b.WriteString("INSERT INTO ticket_counters (tenant_id, day, next_seq) VALUES ")
		for i, d := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			args = append(args, g.tenantID, d.day, d.n+1)
		}
		b.WriteString(` ON CONFLICT (tenant_id, day) DO UPDATE SET next_seq = ticket_counters.next_seq + excluded.next_seq - 1
			RETURNING day, next_seq`)
		var rows []struct {
			Day     string `bun:"day"`
			NextSeq int64  `bun:"next_seq"`
		}
		if err := tx.NewRaw(b.String(), args...).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			next[r.Day] = r.NextSeq
		}
		for _, d := range chunk {
			end, ok := next[d.day]
			if !ok {
				return fmt.Errorf("ticket: no counter returned for %s", d.day)
			}
			next[d.day] = end - d.n
		}
	}
	for i, s := range g.results {
		seq := next[dayOf[i]]
		next[dayOf[i]]++
		s.tk.Number = ticket.FormatNumber(dayOf[i], seq)
	}
	return nil
}

func (g *historyGen) insert(ctx context.Context, tx bun.Tx) error {
	var nEntries, nCalls int
	for _, s := range g.results {
		nEntries += len(s.entries)
		nCalls += len(s.calls)
	}
	tickets := make([]ticket.Ticket, 0, len(g.results))
	entries := make([]ticket.Entry, 0, nEntries)
	calls := make([]ticket.Callback, 0, nCalls)
	for _, s := range g.results {
		tickets = append(tickets, *s.tk)
		entries = append(entries, s.entries...)
		calls = append(calls, s.calls...)
	}
	for chunk := range slices.Chunk(tickets, historyBatch) {
		if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(entries, historyBatch) {
		if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(calls, historyBatch) {
		if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
