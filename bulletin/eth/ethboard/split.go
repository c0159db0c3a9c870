package ethboard

import "github.com/veche/veche/bulletin"

// batchDataLen is the length of the ABI-encoded call
// appendBatch(bytes32 topic, uint16[] kinds, bytes[] payloads) for entries
// whose payload lengths sum, each rounded up to 32 bytes, to padded: the
// selector (4), three head words (96), the two array lengths (64), per entry
// a kind word, a payload offset and a payload length (96), and the padded
// payloads. TestCallDataLen checks it against the bindings.
func batchDataLen(n, padded int) int { return 4 + 160 + 96*n + padded }

// appendDataLen is the length of the encoded call
// append(bytes32 topic, uint16 kind, bytes payload).
func appendDataLen(payload int) int { return 4 + 128 + pad32(payload) }

func pad32(n int) int { return (n + 31) &^ 31 }

// split cuts msgs into consecutive parts whose call data is at most maxData
// bytes and which hold at most maxEntries messages each. A message that
// alone exceeds maxData (impossible for payloads within MaxPayload and the
// default limit) gets a part of its own.
func split(msgs []bulletin.Message, maxData, maxEntries int) [][]bulletin.Message {
	var parts [][]bulletin.Message
	start, padded := 0, 0
	for i, m := range msgs {
		p := pad32(len(m.Payload))
		n := i - start
		if n > 0 && (n+1 > maxEntries || batchDataLen(n+1, padded+p) > maxData) {
			parts = append(parts, msgs[start:i])
			start, padded = i, 0
		}
		padded += p
	}
	return append(parts, msgs[start:])
}
