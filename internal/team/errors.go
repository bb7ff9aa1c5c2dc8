package team

import "errors"

// Errors of the team use cases. A team or estate outside the caller's scope
// or tenant is database.ErrNotFound, as if it did not exist; an archived
// estate refuses new teams with estate.ErrArchived.
var (
	ErrInvalidName       = errors.New("team: the name must be 1–50 characters")
	ErrInvalidKind       = errors.New("team: unknown kind")
	ErrNameTaken         = errors.New("team: the estate already has a team of that name")
	ErrLeaderNotEligible = errors.New("team: the leader must be an active member with the team_leader role")
	ErrMemberNotEligible = errors.New("team: members must be active members with the team_leader or worker role")
	ErrNotInEstate       = errors.New("team: the person is not assigned to the team's estate")
	ErrTooManyMembers    = errors.New("team: too many members")
	ErrArchived          = errors.New("team: the team is archived")
	ErrNotLeader         = errors.New("team: only the team's own leader may do this")
)
