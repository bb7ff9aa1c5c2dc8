package ticket

import (
	"errors"
	"testing"
)

// The whole state machine as a table: every state × every event, the
// allowed moves with their target, everything else refused.
func TestStateMachine(t *testing.T) {
	want := map[State]map[Event]State{
		Received:   {Dispatch: Dispatched, Cancel: Cancelled},
		Dispatched: {Accept: Accepted, Transfer: Dispatched, Return: Received, Cancel: Cancelled},
		Accepted:   {Start: InProgress, Transfer: Dispatched, Return: Received, Hold: OnHold, Cancel: Cancelled},
		InProgress: {Hold: OnHold, Complete: Completed, Transfer: Dispatched, Cancel: Cancelled},
		OnHold:     {Resume: InProgress, Cancel: Cancelled},
		Completed:  {FollowUp: FollowedUp, Close: Closed, Reopen: Reopened},
		FollowedUp: {Close: Closed, Reopen: Reopened},
		Closed:     {Reopen: Reopened},
		Reopened:   {Dispatch: Dispatched, Cancel: Cancelled},
		Cancelled:  {},
	}
	moves := 0
	for _, from := range States {
		for _, ev := range Events {
			got, err := Next(from, ev)
			to, allowed := want[from][ev]
			switch {
			case allowed && (err != nil || got != to):
				t.Errorf("%s --%s--> %s, %v; want %s", from, ev, got, err, to)
			case !allowed && !errors.Is(err, ErrIllegalMove):
				t.Errorf("%s --%s--> %s allowed; want refused", from, ev, got)
			case !allowed && got != from:
				t.Errorf("refused move changed the state: %s → %s", from, got)
			}
			if allowed {
				moves++
			}
		}
	}
	if moves != 25 {
		t.Errorf("%d legal moves, want 25", moves)
	}
	var me *MoveError
	if _, err := Next(Closed, Start); !errors.As(err, &me) || me.From != Closed || me.Event != Start {
		t.Errorf("error %v does not name the move", err)
	}
}

func TestOpenAndPaused(t *testing.T) {
	for _, s := range States {
		if s.Open() == (s == Closed || s == Cancelled) {
			t.Errorf("%s open=%v", s, s.Open())
		}
		if s.Paused() != (s == OnHold) {
			t.Errorf("%s paused=%v", s, s.Paused())
		}
	}
}
