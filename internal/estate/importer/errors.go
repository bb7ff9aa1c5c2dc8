package importer

import "errors"

var (
	// ErrNoFile: the upload carried no file, or an empty one.
	ErrNoFile = errors.New("import: no file")
	// ErrTooLarge: the file is over MaxFileBytes.
	ErrTooLarge = errors.New("import: file too large")
	// ErrNotReady: only a validated import can be applied, once.
	ErrNotReady = errors.New("import: not validated, or already applied")
)
