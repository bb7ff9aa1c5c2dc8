package ticket

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/filename"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// MaxAttachments bounds the files of one ticket.
const MaxAttachments = 30

// accepted are the file types a ticket takes, by their content (sniffed,
// not by the name or the client's word): photos, PDFs and plain text.
var accepted = map[string]string{
	"image/jpeg":      ".jpg",
	"image/png":       ".png",
	"image/gif":       ".gif",
	"image/webp":      ".webp",
	"application/pdf": ".pdf",
	"text/plain":      ".txt",
}

// Upload is one file as received.
type Upload struct {
	Filename string
	Body     io.Reader
	Note     string
}

// path is where an attachment's bytes live.
func (s *Service) path(tenantID, id uuid.UUID) string {
	return filepath.Join(s.opt.DataDir, "attachments", tenantID.String(), id.String())
}

// Attach stores files on a ticket, with a timeline entry. The bytes are
// written and synced before the rows commit, so a committed attachment
// always has its file; a failed commit removes the files.
func (s *Service) Attach(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, ups []Upload) ([]Attachment, error) {
	var out []Attachment
	var written []string
	defer func() {
		if out == nil {
			for _, p := range written {
				os.Remove(p)
			}
		}
	}()
	var stored []Attachment
	for _, up := range ups {
		at, p, err := s.store(t.ID, id, a.UserID, up)
		if p != "" {
			written = append(written, p)
		}
		if err != nil {
			return nil, err
		}
		stored = append(stored, *at)
	}
	note := ""
	if len(ups) > 0 {
		note = strings.TrimSpace(ups[0].Note)
	}
	if utf8.RuneCountInString(note) > MaxCommentLen {
		return nil, ErrInvalidComment
	}
	_, err := s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		if _, err := w.mayWork(ctx, a); err != nil {
			return err
		}
		n, err := w.tx.NewSelect().Model((*Attachment)(nil)).Where("tenant_id = ? AND ticket_id = ?", t.ID, id).Count(ctx)
		if err != nil {
			return err
		}
		if int(n)+len(stored) > MaxAttachments {
			return ErrTooManyAttachments
		}
		names := make([]string, len(stored))
		for i := range stored {
			names[i] = stored[i].Filename
		}
		e, err := w.note(ctx, &a.UserID, KindAttachment, note, map[string]any{"files": names})
		if err != nil {
			return err
		}
		for i := range stored {
			stored[i].EventID = &e.ID
			stored[i].CreatedAt = w.now
		}
		if len(stored) == 0 {
			return nil
		}
		_, err = w.tx.NewInsert().Model(&stored).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	out = stored
	return out, nil
}

// store writes one upload to disk, checking its type and size.
func (s *Service) store(tenantID, ticketID, by uuid.UUID, up Upload) (*Attachment, string, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(up.Body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, "", err
	}
	head = head[:n]
	ctype, _, _ := strings.Cut(http.DetectContentType(head), ";")
	ext, ok := accepted[ctype]
	if !ok || n == 0 {
		return nil, "", ErrAttachmentType
	}
	at := &Attachment{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), TicketID: ticketID, ContentType: ctype, UploadedBy: by}
	at.Filename = filename.Clean(up.Filename, "file"+ext)
	p := s.path(tenantID, at.ID)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return nil, "", err
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, "", err
	}
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(io.MultiReader(bytes.NewReader(head), up.Body), s.opt.MaxAttachmentBytes+1))
	if err == nil && size > s.opt.MaxAttachmentBytes {
		err = ErrAttachmentSize
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, p, err
	}
	at.Size, at.SHA256 = size, hex.EncodeToString(h.Sum(nil))
	return at, p, nil
}

// OpenAttachment opens an attachment of a ticket in the caller's scope.
func (s *Service) OpenAttachment(ctx context.Context, tenantID uuid.UUID, a Actor, id uuid.UUID) (*Attachment, *os.File, error) {
	at := new(Attachment)
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(at).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
			return err
		}
		_, err := s.visible(ctx, tx, tenantID, a, at.TicketID)
		return err
	})
	if err != nil {
		return nil, nil, database.Normalize(err)
	}
	f, err := os.Open(s.path(tenantID, at.ID))
	if err != nil {
		return nil, nil, err
	}
	return at, f, nil
}
