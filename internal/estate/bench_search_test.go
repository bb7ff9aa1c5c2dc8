package estate_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// BenchmarkSearch measures the clerk's search box with 100,000 units and
// 100,000 owners in the tenant: each op is one query of a mix (address,
// room number, phone last 4, full phone, name prefix); p50/p99 are reported
// per kind. Run: go test -run x -bench BenchmarkSearch -benchtime 2000x ./internal/estate/
func BenchmarkSearch(b *testing.B) {
	f := setupB(b)
	ctx := context.Background()
	e, err := f.svc.CreateEstate(ctx, f.t, estate.EstateInput{Name: "大型社区"})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	var phones []string
	for bi := 1; bi <= 100; bi++ {
		bl, err := f.svc.CreateBuilding(ctx, f.t.ID, f.all, e.ID, estate.BuildingInput{Name: strconv.Itoa(bi)})
		if err != nil {
			b.Fatal(err)
		}
		units, _ := estate.UnitRange{FromFloor: 1, ToFloor: 25, PerFloor: 4, Entrances: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}}.Units()
		if _, err := f.svc.AddUnitList(ctx, f.t, f.all, bl.ID, units, false); err != nil {
			b.Fatal(err)
		}
		_, floors, err := f.svc.Grid(ctx, f.t.ID, f.all, bl.ID)
		if err != nil {
			b.Fatal(err)
		}
		var occ []estate.NewOccupant
		for _, fl := range floors {
			for _, u := range fl.Units {
				phone := fmt.Sprintf("13%09d", rng.IntN(1_000_000_000))
				phones = append(phones, phone)
				name := string(surnames[rng.IntN(len(surnames))]) + given[rng.IntN(len(given))]
				occ = append(occ, estate.NewOccupant{UnitID: u.ID, Person: estate.PersonInput{Name: name, Phones: []string{phone}},
					Link: estate.LinkInput{Relation: estate.OwnerRel, PrimaryContact: true}})
			}
		}
		if err := f.svc.AddOccupants(ctx, f.t.ID, occ); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded 100,000 units and owners in %s", time.Since(start).Round(time.Second))

	kinds := []struct {
		name string
		q    func() string
	}{
		{"address", func() string {
			return fmt.Sprintf("%d-%d-%d%02d", 1+rng.IntN(100), 1+rng.IntN(10), 1+rng.IntN(25), 1+rng.IntN(4))
		}},
		{"address-zh", func() string {
			return fmt.Sprintf("%d栋%d单元%d%02d", 1+rng.IntN(100), 1+rng.IntN(10), 1+rng.IntN(25), 1+rng.IntN(4))
		}},
		{"room", func() string { return fmt.Sprintf("%d%02d", 1+rng.IntN(25), 1+rng.IntN(4)) }},
		{"phone-last4", func() string { p := phones[rng.IntN(len(phones))]; return p[len(p)-4:] }},
		{"phone", func() string { return phones[rng.IntN(len(phones))] }},
		{"name", func() string { return string(surnames[rng.IntN(len(surnames))]) + given[rng.IntN(len(given))] }},
	}
	times := make([][]time.Duration, len(kinds))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(kinds)
		q := kinds[k].q()
		t0 := time.Now()
		if _, err := f.svc.Search(ctx, f.t.ID, f.all, q, 20); err != nil {
			b.Fatal(err)
		}
		times[k] = append(times[k], time.Since(t0))
	}
	b.StopTimer()
	var all []time.Duration
	for k, ts := range times {
		if len(ts) == 0 {
			continue
		}
		slices.Sort(ts)
		all = append(all, ts...)
		b.Logf("%-11s n=%d p50=%s p99=%s", kinds[k].name, len(ts), ts[len(ts)/2], ts[len(ts)*99/100])
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
}

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given    = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞"}
)

func setupB(b *testing.B) *fixture { b.Helper(); return setupTB(b, "enterprise") }
