// Package ticket holds the requests owners bring to the service center
// (工单): their state machine, deadlines and, in time, dispatch and
// call-backs.
package ticket

import (
	"errors"
	"fmt"
)

// State of a ticket.
type State string

const (
	Received   State = "received"
	Dispatched State = "dispatched"
	Accepted   State = "accepted"
	InProgress State = "in_progress"
	OnHold     State = "on_hold"
	Completed  State = "completed"
	FollowedUp State = "followed_up"
	Closed     State = "closed"
	Reopened   State = "reopened"
	Cancelled  State = "cancelled"
)

// States lists every state, in the order a ticket usually passes them.
var States = []State{Received, Dispatched, Accepted, InProgress, OnHold, Completed, FollowedUp, Closed, Reopened, Cancelled}

// Event is something that happens to a ticket.
type Event string

const (
	Dispatch Event = "dispatch" // 派工 to a team (and a worker)
	Transfer Event = "transfer" // to another team
	Return   Event = "return"   // 退单: the team hands it back, with a reason
	Accept   Event = "accept"
	Start    Event = "start"
	Hold     Event = "hold"   // waiting for the owner or for parts
	Resume   Event = "resume" // back to work after a hold
	Complete Event = "complete"
	FollowUp Event = "follow_up" // 回访 recorded
	Close    Event = "close"
	Reopen   Event = "reopen" // a dissatisfied call-back, or the owner again
	Cancel   Event = "cancel"
)

// Events lists every event.
var Events = []Event{Dispatch, Transfer, Return, Accept, Start, Hold, Resume, Complete, FollowUp, Close, Reopen, Cancel}

// transitions is the whole state machine: from → event → to. What is not
// here is refused.
var transitions = map[State]map[Event]State{
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

// ErrIllegalMove is returned (wrapped in *MoveError) for a move the state
// machine refuses.
var ErrIllegalMove = errors.New("ticket: illegal move")

// MoveError names the refused move, for a clear message.
type MoveError struct {
	From  State
	Event Event
}

func (e *MoveError) Error() string {
	return fmt.Sprintf("ticket: cannot %s a %s ticket", e.Event, e.From)
}

// Unwrap lets errors.Is match ErrIllegalMove.
func (e *MoveError) Unwrap() error { return ErrIllegalMove }

// MessageData fills the translated message.
func (e *MoveError) MessageData() map[string]any {
	return map[string]any{"From": string(e.From), "Event": string(e.Event)}
}

// Next is the state after ev happens in from, or a *MoveError.
func Next(from State, ev Event) (State, error) {
	if to, ok := transitions[from][ev]; ok {
		return to, nil
	}
	return from, &MoveError{From: from, Event: ev}
}

// Open reports whether the ticket still needs work from the center.
func (s State) Open() bool { return s != Closed && s != Cancelled }

// Paused reports whether deadlines stand still: a ticket on hold waits for
// the owner or for parts, which the team cannot hurry.
func (s State) Paused() bool { return s == OnHold }
