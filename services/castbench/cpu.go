package castbench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"runtime/pprof"
)

// The clients' goroutines carry this pprof label, inherited by the
// goroutines they start (the HTTP transport's), so that a CPU profile
// tells their samples from the server's.
const (
	labelKey    = "castbench"
	labelClient = "client"
)

func withClientLabel(ctx context.Context, f func(context.Context)) {
	pprof.Do(ctx, pprof.Labels(labelKey, labelClient), f)
}

// A cpuShare is a CPU profile in progress, to split the process's CPU time
// between the clients and the rest (the server).
type cpuShare struct {
	buf *bytes.Buffer // nil: not profiling
}

// startCPUShare starts a CPU profile if on, and if no other profile is
// running (go test -cpuprofile, say).
func startCPUShare(on bool) *cpuShare {
	if !on {
		return &cpuShare{}
	}
	buf := new(bytes.Buffer)
	if err := pprof.StartCPUProfile(buf); err != nil {
		return &cpuShare{}
	}
	return &cpuShare{buf: buf}
}

// stop stops the profile and returns the share of the CPU time sampled
// outside the clients' goroutines, or -1 if unknown.
func (s *cpuShare) stop() float64 {
	if s.buf == nil {
		return -1
	}
	pprof.StopCPUProfile()
	client, total, err := labelledCPU(s.buf.Bytes(), labelKey, labelClient)
	if err != nil || total == 0 {
		return -1
	}
	return float64(total-client) / float64(total)
}

// labelledCPU reads a CPU profile (gzipped profile.proto, as runtime/pprof
// writes it) and returns the CPU time of the samples labelled key=value
// and of all samples. It decodes just the fields it needs: Profile.sample
// (2) and string_table (6); Sample.value (2) and label (3); Label.key (1)
// and str (2), both string-table indices. The last value of a sample is
// its CPU time in nanoseconds (the first is the sample count).
func labelledCPU(profile []byte, key, value string) (labelled, total int64, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(profile))
	if err != nil {
		return 0, 0, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return 0, 0, err
	}
	type sample struct {
		value  int64
		labels [][2]int64
	}
	var (
		samples []sample
		strs    []string
	)
	err = protoFields(raw, func(field int, v uint64, b []byte) error {
		switch field {
		case 2:
			var s sample
			err := protoFields(b, func(field int, v uint64, b []byte) error {
				switch field {
				case 2:
					if b == nil {
						s.value = int64(v)
						return nil
					}
					for len(b) > 0 { // packed
						x, n := binary.Uvarint(b)
						if n <= 0 {
							return errBadProfile
						}
						s.value, b = int64(x), b[n:]
					}
				case 3:
					var l [2]int64
					err := protoFields(b, func(field int, v uint64, _ []byte) error {
						if field == 1 || field == 2 {
							l[field-1] = int64(v)
						}
						return nil
					})
					if err != nil {
						return err
					}
					s.labels = append(s.labels, l)
				}
				return nil
			})
			if err != nil {
				return err
			}
			samples = append(samples, s)
		case 6:
			strs = append(strs, string(b))
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	str := func(i int64) string {
		if i < 0 || i >= int64(len(strs)) {
			return ""
		}
		return strs[i]
	}
	for _, s := range samples {
		total += s.value
		for _, l := range s.labels {
			if str(l[0]) == key && str(l[1]) == value {
				labelled += s.value
				break
			}
		}
	}
	return labelled, total, nil
}

var errBadProfile = errors.New("castbench: malformed CPU profile")

// protoFields calls f for each field of a protobuf message: varints with
// their value (b nil), length-delimited fields with their bytes; fixed
// 32- and 64-bit fields are skipped.
func protoFields(m []byte, f func(field int, v uint64, b []byte) error) error {
	for len(m) > 0 {
		tag, n := binary.Uvarint(m)
		if n <= 0 {
			return errBadProfile
		}
		m = m[n:]
		field := int(tag >> 3)
		switch tag & 7 {
		case 0:
			v, n := binary.Uvarint(m)
			if n <= 0 {
				return errBadProfile
			}
			m = m[n:]
			if err := f(field, v, nil); err != nil {
				return err
			}
		case 1:
			if len(m) < 8 {
				return errBadProfile
			}
			m = m[8:]
		case 2:
			l, n := binary.Uvarint(m)
			if n <= 0 || l > uint64(len(m)-n) {
				return errBadProfile
			}
			b := m[n : n+int(l)]
			m = m[n+int(l):]
			if err := f(field, 0, b); err != nil {
				return err
			}
		case 5:
			if len(m) < 4 {
				return errBadProfile
			}
			m = m[4:]
		default:
			return errBadProfile
		}
	}
	return nil
}
