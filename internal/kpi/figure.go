package kpi

import (
	"fmt"
	"slices"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// Figure names one KPI. docs/kpis.md defines each: the formula, what
// counts, the period and who sees it. Display names are "kpi.figure.<name>".
type Figure string

const (
	Satisfaction     Figure = "satisfaction"       // 客户满意率
	CallbackRate     Figure = "callback_rate"      // 回访率
	MinorOnTime      Figure = "minor_on_time"      // 零修及时率
	ComplaintOnTime  Figure = "complaint_on_time"  // 投诉处理及时率
	ResponseMedian   Figure = "response_median"    // first response, minutes
	ResponseP90      Figure = "response_p90"       // first response, minutes
	FirstFix         Figure = "first_fix"          // one-time-fix rate
	ComplaintsPer100 Figure = "complaints_per_100" // per 100 units in the month
	Majors           Figure = "majors"             // 重大投诉
	Collection       Figure = "collection"         // 收缴率
	Recovery         Figure = "recovery"           // 清欠率
)

// Unit is how a figure's value is counted.
type Unit string

const (
	// BasisPoints: hundredths of a percent (9235 = 92.35%).
	BasisPoints Unit = "bp"
	// Hundredths: hundredths of a number (complaints per 100 units).
	Hundredths Unit = "hundredths"
	Count      Unit = "count"
	Minutes    Unit = "minutes"
)

// spec is what a figure is counted in and which way is better.
type spec struct {
	unit   Unit
	higher bool // a higher value is better
}

var specs = map[Figure]spec{
	Satisfaction: {BasisPoints, true}, CallbackRate: {BasisPoints, true}, MinorOnTime: {BasisPoints, true},
	ComplaintOnTime: {BasisPoints, true}, FirstFix: {BasisPoints, true}, Collection: {BasisPoints, true}, Recovery: {BasisPoints, true},
	ResponseMedian: {Minutes, false}, ResponseP90: {Minutes, false}, ComplaintsPer100: {Hundredths, false}, Majors: {Count, false},
}

// figures is the display order.
var figures = []Figure{Satisfaction, CallbackRate, MinorOnTime, ComplaintOnTime, FirstFix, ResponseMedian, ResponseP90,
	ComplaintsPer100, Majors, Collection, Recovery}

// Figures lists every figure in display order.
func Figures() []Figure { return slices.Clone(figures) }

// Valid reports whether f is one of Figures.
func (f Figure) Valid() bool { _, ok := specs[f]; return ok }

// Unit is what the figure's values and targets count.
func (f Figure) Unit() Unit { return specs[f].unit }

// HigherBetter reports whether a higher value is the better one.
func (f Figure) HigherBetter() bool { return specs[f].higher }

// defaultTargets apply until a manager sets the company's: the operating
// plan's 满意率 ≥ 95%, 零修及时率 ≥ 98% and no 重大投诉.
var defaultTargets = map[Figure]int64{Satisfaction: 9500, MinorOnTime: 9800, Majors: 0}

// Status is a value against its target.
type Status string

const (
	Green  Status = "green"
	Amber  Status = "amber"
	Red    Status = "red"
	NoData Status = "" // no value or no target
)

// amberBand is how far from the target a value is amber rather than red:
// two percentage points for rates; a fifth of the target for counts,
// minutes and complaints per 100 units (none for a target of 0, so one
// 重大投诉 against a target of none is red).
func amberBand(f Figure, target int64) int64 {
	if f.Unit() == BasisPoints {
		return 200
	}
	return target / 5
}

// Judge compares a value with its target.
func Judge(f Figure, value, target int64) Status {
	band := amberBand(f, target)
	if f.HigherBetter() {
		switch {
		case value >= target:
			return Green
		case value >= target-band:
			return Amber
		}
		return Red
	}
	switch {
	case value <= target:
		return Green
	case value <= target+band:
		return Amber
	}
	return Red
}

// Value is one figure of one estate (or the company) in one period.
type Value struct {
	Figure Figure `json:"figure"`
	Unit   Unit   `json:"unit"`
	// Has is false when there is nothing to count (no call-back reached,
	// no minor repair completed): the value is then meaningless.
	Has   bool  `json:"has"`
	Value int64 `json:"value"`
	// Num and Den are the ratio's parts (rates, complaints per 100 units).
	Num int64 `json:"num,omitempty"`
	Den int64 `json:"den,omitempty"`
	// Target is the company's or the estate's, nil when none is set.
	Target *int64 `json:"target"`
	Status Status `json:"status"`
}

// ratio is a value from a fraction, in basis points of it.
func ratio(f Figure, num, den int64) Value {
	bp, ok := fee.Ratio{Num: num, Den: den}.BasisPoints()
	return Value{Figure: f, Unit: f.Unit(), Has: ok, Value: bp, Num: num, Den: den}
}

func plain(f Figure, v int64, has bool) Value {
	return Value{Figure: f, Unit: f.Unit(), Has: has, Value: v}
}

// judge sets the target and the status.
func (v *Value) judge(target *int64) {
	v.Target = target
	v.Status = NoData
	if v.Has && target != nil {
		v.Status = Judge(v.Figure, v.Value, *target)
	}
}

// Format shows a value in its unit: "92.35%", "1.25", "3", "42" (minutes
// are the caller's to label); "—" without one.
func Format(u Unit, v int64, has bool) string {
	if !has {
		return "—"
	}
	switch u {
	case BasisPoints:
		return fmt.Sprintf("%d.%02d%%", v/100, v%100)
	case Hundredths:
		return fmt.Sprintf("%d.%02d", v/100, v%100)
	}
	return fmt.Sprint(v)
}

// String is Format of the value.
func (v Value) String() string { return Format(v.Unit, v.Value, v.Has) }
