package textmodel

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// The file format (gzip of little-endian binary): magic, format version, FeatureVersion, bits, bias, the
// thresholds, the weight scale, the number of training documents, the training sets' names, the check
// value, then one byte of quantised idf and two bytes of quantised weight per bucket.
const (
	magic         = "BDTM"
	formatVersion = 4
	// FeatureVersion changes whenever Features or Words would give other buckets for the same text: a model
	// file of another version is refused.
	FeatureVersion = 1
	idfStep        = 1.0 / 28 // idf = 1 + (q-1)·idfStep for q ≥ 1; q = 0: unused bucket
)

func quantIDF(idf float64) uint8 {
	if idf <= 0 {
		return 0
	}
	q := math.Round((idf-1)/idfStep) + 1
	return uint8(math.Min(math.Max(q, 1), 255))
}

func dequantIDF(q uint8) float64 {
	if q == 0 {
		return 0
	}
	return 1 + float64(q-1)*idfStep
}

// Check is a value computed from a model's scores on a fixed text: it changes if the features or the
// weights do, and the file records it so that a test can tell a stale model from a current one.
func (m *Model) Check(v *Vectorizer) float64 {
	return m.Score(v.Features(Words(nil, checkText...))).P
}

var checkText = []string{"je", "ne", "sais", "plus", "quoi", "faire", "tonight", "i", "have", "saved", "the", "pills",
	"merci", "pour", "tout", "see", "you", "tuesday", "invoice", "attached"}

// WriteTo writes the model in its file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	le := binary.LittleEndian
	buf.WriteString(magic)
	for _, v := range []any{uint16(formatVersion), uint16(FeatureVersion), uint8(Bits), m.bias, m.Page, m.Confirm, m.Short, m.Window, m.RulePage, m.Concern, m.Dismiss,
		m.wScale, uint32(m.Docs), uint16(len(m.Trained))} {
		_ = binary.Write(&buf, le, v) // writes to a bytes.Buffer cannot fail
	}
	for _, s := range m.Trained {
		_ = binary.Write(&buf, le, uint16(len(s)))
		buf.WriteString(s)
	}
	_ = binary.Write(&buf, le, m.Check(NewVectorizer()))
	buf.Write(m.idf)
	_ = binary.Write(&buf, le, m.weight)
	cw := &countWriter{w: w}
	zw, err := gzip.NewWriterLevel(cw, gzip.BestCompression)
	if err != nil {
		return cw.n, fmt.Errorf("textmodel: %w", err)
	}
	if _, err := zw.Write(buf.Bytes()); err != nil {
		return cw.n, fmt.Errorf("textmodel: writing the model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return cw.n, fmt.Errorf("textmodel: writing the model: %w", err)
	}
	return cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Read reads a model file and verifies its check value.
func Read(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("textmodel: not a model file: %w", err)
	}
	br := bufio.NewReader(io.LimitReader(zr, 16<<20))
	le := binary.LittleEndian
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != magic {
		return nil, errors.New("textmodel: not a model file")
	}
	var (
		format, features uint16
		bits             uint8
		ws, check        float64
		docs             uint32
		nsets            uint16
	)
	m := &Model{}
	for _, v := range []any{&format, &features, &bits, &m.bias, &m.Page, &m.Confirm, &m.Short, &m.Window, &m.RulePage, &m.Concern, &m.Dismiss, &ws, &docs, &nsets} {
		if err := binary.Read(br, le, v); err != nil {
			return nil, fmt.Errorf("textmodel: reading the model header: %w", err)
		}
	}
	if format != formatVersion || features != FeatureVersion || bits != Bits {
		return nil, fmt.Errorf("textmodel: model file is format %d, features %d, %d bits; this build reads %d, %d, %d: retrain it (go run ./tools/trainmodel)",
			format, features, bits, formatVersion, FeatureVersion, Bits)
	}
	m.Docs = int(docs)
	for i := 0; i < int(nsets); i++ {
		var n uint16
		if err := binary.Read(br, le, &n); err != nil {
			return nil, fmt.Errorf("textmodel: reading the model header: %w", err)
		}
		s := make([]byte, n)
		if _, err := io.ReadFull(br, s); err != nil {
			return nil, fmt.Errorf("textmodel: reading the model header: %w", err)
		}
		m.Trained = append(m.Trained, string(s))
	}
	if err := binary.Read(br, le, &check); err != nil {
		return nil, fmt.Errorf("textmodel: reading the model header: %w", err)
	}
	q := make([]byte, buckets)
	if _, err := io.ReadFull(br, q); err != nil {
		return nil, fmt.Errorf("textmodel: reading the model's idf: %w", err)
	}
	wq := make([]int16, buckets)
	if err := binary.Read(br, le, wq); err != nil {
		return nil, fmt.Errorf("textmodel: reading the model's weights: %w", err)
	}
	m.idf, m.weight, m.wScale = q, wq, ws
	if got := m.Check(NewVectorizer()); math.Abs(got-check) > 1e-9 {
		return nil, fmt.Errorf("textmodel: model file check value %.9f, computed %.9f: the file is damaged or the features changed without a new FeatureVersion", check, got)
	}
	return m, nil
}
