package ethboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/veche/veche/bulletin/eth/contract"
)

// ErrUnavailable marks an error as transient: the node could not be reached
// or did not answer, and the call may be retried. Errors from the network
// (connection refused or reset, timeouts, EOF) and HTTP 5xx answers are
// transient too; a [Client] wrapper may wrap its own with ErrUnavailable.
var ErrUnavailable = errors.New("ethboard: node unavailable")

// ErrOutcomeUnknown: a transaction was signed but sending it failed with a
// transient error through every retry, so it may or may not have reached
// the node. Its entries may still appear on the chain; resume with
// [Board.AppendOnce] to post them exactly once.
var ErrOutcomeUnknown = errors.New("ethboard: outcome of the post unknown")

// transient reports whether err is worth retrying: the node did not answer.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var he rpc.HTTPError
	if errors.As(err, &he) {
		return he.StatusCode >= 500 || he.StatusCode == 429
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// retry runs f until it succeeds, fails with a non-transient error, ctx is
// done, or Config.MaxRetries retries have failed. The delay starts at
// Config.RetryDelay and doubles, up to 32 times that.
func (b *Board) retry(ctx context.Context, what string, f func(context.Context) error) error {
	delay := b.cfg.RetryDelay
	for attempt := 0; ; attempt++ {
		err := b.withTimeout(ctx, f)
		if err == nil || !transient(err) {
			return err
		}
		if attempt >= b.cfg.MaxRetries {
			return fmt.Errorf("ethboard: %s: giving up after %d attempts: %w", what, attempt+1, err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("ethboard: %s: %w (last error: %v)", what, ctx.Err(), err)
		case <-t.C:
		}
		delay = min(2*delay, 32*b.cfg.RetryDelay)
	}
}

// errCallTimeout: a call to the node took longer than Config.CallTimeout.
var errCallTimeout = fmt.Errorf("%w: no answer within the call timeout", ErrUnavailable)

// withTimeout runs f with a context that ends after Config.CallTimeout, so
// that a node that never answers does not hold a post up forever: a call
// that overruns is reported as transient, to be retried.
func (b *Board) withTimeout(ctx context.Context, f func(context.Context) error) error {
	if b.cfg.CallTimeout < 0 {
		return f(ctx)
	}
	cctx, cancel := context.WithTimeout(ctx, b.cfg.CallTimeout)
	defer cancel()
	err := f(cctx)
	if err != nil && ctx.Err() == nil && cctx.Err() != nil {
		return fmt.Errorf("%w (%v)", errCallTimeout, err)
	}
	return err
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Errors with which a node refuses a transaction, as go-ethereum's pool
// words them (core/txpool); other clients use the same texts.
func isAlreadyKnown(err error) bool {
	return err != nil && strings.Contains(err.Error(), "already known")
}

func isNonceTooLow(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "nonce too low") || strings.Contains(s, "replacement transaction underpriced")
}

// A call is one transaction to send: its data, destination (nil creates a
// contract) and gas limit.
type call struct {
	to    *common.Address
	data  []byte
	gas   uint64
	value *big.Int
}

// estimate returns the gas limit for c: the node's estimate plus a margin,
// capped at the per-transaction limit. A call the contract would revert
// fails here, with the decoded reason, before anything is sent.
func (b *Board) estimate(ctx context.Context, to *common.Address, data []byte) (uint64, error) {
	var gas uint64
	err := b.retry(ctx, "estimating gas", func(ctx context.Context) error {
		var err error
		gas, err = b.c.EstimateGas(ctx, ethereum.CallMsg{From: b.addr, To: to, Data: data})
		return err
	})
	if err != nil {
		return 0, contract.DecodeError(err)
	}
	return min(gas+gas/5+10_000, maxTxGas), nil
}

// maxTxGas is the per-transaction gas cap of EIP-7825 (Osaka), 2^24.
const maxTxGas = 1 << 24

// fees returns the tip and fee cap for new transactions.
func (b *Board) fees(ctx context.Context) (tip, feeCap *big.Int, err error) {
	err = b.retry(ctx, "reading fees", func(ctx context.Context) error {
		h, err := b.c.HeaderByNumber(ctx, nil)
		if err != nil {
			return err
		}
		tip, err = b.c.SuggestGasTipCap(ctx)
		if err != nil {
			return err
		}
		base := h.BaseFee
		if base == nil {
			base = new(big.Int)
		}
		if tip.Sign() == 0 {
			tip = big.NewInt(params.Wei)
		}
		feeCap = new(big.Int).Add(new(big.Int).Mul(base, big.NewInt(2)), tip)
		return nil
	})
	return tip, feeCap, err
}

// sendAll signs calls with consecutive nonces of the account and sends them,
// in order. It holds the account's send lock throughout, so the nonces are
// consecutive and never reused.
//
// If a call cannot be sent, the calls before it stay sent and are returned;
// the error wraps ErrOutcomeUnknown when the failed call may have reached the
// node.
func (b *Board) sendAll(ctx context.Context, calls []call) ([]*types.Transaction, error) {
	tip, feeCap, err := b.fees(ctx)
	if err != nil {
		return nil, err
	}
	b.sendMu.Lock()
	defer b.sendMu.Unlock()
	var sent []*types.Transaction
	for _, c := range calls {
		tx, err := b.sendLocked(ctx, c, tip, feeCap)
		if err != nil {
			return sent, err
		}
		sent = append(sent, tx)
	}
	return sent, nil
}

// sendValueLocked sends value wei to addr with the next nonce. b.sendMu is
// held.
func (b *Board) sendValueLocked(ctx context.Context, to common.Address, value, tip, feeCap *big.Int) (*types.Transaction, error) {
	return b.sendLocked(ctx, call{to: &to, gas: params.TxGas, value: value}, tip, feeCap)
}

// sendLocked signs and sends one call with the next nonce. b.sendMu is held.
func (b *Board) sendLocked(ctx context.Context, c call, tip, feeCap *big.Int) (*types.Transaction, error) {
	for resyncs := 0; ; resyncs++ {
		if !b.nonceKnown {
			// The node's pending nonce counts this account's transactions
			// in its pool: after a restart or an ambiguous send, it is the
			// first nonce no transaction of ours can still take.
			var n uint64
			if err := b.retry(ctx, "reading the account nonce", func(ctx context.Context) error {
				var err error
				n, err = b.c.PendingNonceAt(ctx, b.addr)
				return err
			}); err != nil {
				return nil, err
			}
			b.nonce, b.nonceKnown = n, true
		}
		tx, err := types.SignNewTx(b.key, b.signer, &types.DynamicFeeTx{
			ChainID:   b.chainID,
			Nonce:     b.nonce,
			GasTipCap: tip,
			GasFeeCap: feeCap,
			Gas:       c.gas,
			To:        c.to,
			Data:      c.data,
			Value:     c.value,
		})
		if err != nil {
			return nil, fmt.Errorf("ethboard: signing: %w", err)
		}
		err = b.retry(ctx, "sending a transaction", func(ctx context.Context) error {
			err := b.c.SendTransaction(ctx, tx)
			if isAlreadyKnown(err) {
				// An earlier attempt reached the node after all.
				return nil
			}
			return err
		})
		switch {
		case err == nil:
			b.nonce++
			return tx, nil
		case isNonceTooLow(err) && resyncs < 3:
			// Someone else used this nonce (another process with the
			// same key, or a transaction we gave up on that reached the
			// node). Our transaction was refused, so it can never be
			// mined: re-sign with a fresh nonce.
			b.nonceKnown = false
			continue
		case transient(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			// It may have reached the node: the nonce is not ours to reuse
			// until the node says so.
			b.nonceKnown = false
			return nil, fmt.Errorf("%w: transaction %v: %w", ErrOutcomeUnknown, tx.Hash(), err)
		default:
			// Refused by the node (funds, gas, size): nothing was sent.
			b.nonceKnown = false
			return nil, fmt.Errorf("ethboard: sending: %w", err)
		}
	}
}

// resend sends tx again, unchanged, after its block left the canonical
// chain or it left the node's pool. The node accepts it again, knows it, or
// has already mined it again (nonce too low); all are fine.
func (b *Board) resend(ctx context.Context, tx *types.Transaction) error {
	err := b.c.SendTransaction(ctx, tx)
	if err == nil || isAlreadyKnown(err) || isNonceTooLow(err) {
		return nil
	}
	return err
}

// mine asks the chain for a block, on chains that make blocks on demand.
func (b *Board) mine() {
	if b.cfg.Mine != nil {
		b.cfg.Mine()
	}
}

// finalBlock returns the number of the newest block with Config.Confirmations
// blocks on top of it (and false if the chain is shorter than that).
func (b *Board) finalBlock(ctx context.Context) (uint64, bool, error) {
	var n uint64
	err := b.retry(ctx, "reading the block number", func(ctx context.Context) error {
		var err error
		n, err = b.c.BlockNumber(ctx)
		return err
	})
	if err != nil {
		return 0, false, err
	}
	if n < b.cfg.Confirmations {
		return 0, false, nil
	}
	return n - b.cfg.Confirmations, true, nil
}

// wait waits until tx is final: mined in a block that is canonical and has
// Config.Confirmations blocks on top. A transaction whose block left the
// canonical chain is pending again and is re-sent, as is one the node seems
// to have dropped. A reverted transaction fails with the contract's reason,
// if it can be found.
func (b *Board) wait(ctx context.Context, tx *types.Transaction) (*types.Receipt, error) {
	lastSent := time.Now()
	for {
		var r *types.Receipt
		err := b.retry(ctx, "reading a receipt", func(ctx context.Context) error {
			var err error
			r, err = b.c.TransactionReceipt(ctx, tx.Hash())
			if errors.Is(err, ethereum.NotFound) {
				r, err = nil, nil
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if r != nil && r.BlockNumber != nil {
			final, ok, err := b.finalBlock(ctx)
			if err != nil {
				return nil, err
			}
			if ok && r.BlockNumber.Uint64() <= final {
				var h *types.Header
				if err := b.retry(ctx, "reading a header", func(ctx context.Context) error {
					var err error
					h, err = b.c.HeaderByNumber(ctx, r.BlockNumber)
					return err
				}); err != nil {
					return nil, err
				}
				if h.Hash() == r.BlockHash {
					if r.Status != types.ReceiptStatusSuccessful {
						return r, b.revertReason(ctx, tx, r)
					}
					b.stats.transactions.Add(1)
					b.stats.gas.Add(r.GasUsed)
					b.stats.callData.Add(uint64(len(tx.Data())))
					return r, nil
				}
				// Reorged out: the receipt is stale. Pending again.
				r = nil
				if err := b.retry(ctx, "re-sending a reorged transaction", func(ctx context.Context) error { return b.resend(ctx, tx) }); err != nil {
					return nil, err
				}
				lastSent = time.Now()
			}
		} else if time.Since(lastSent) >= b.cfg.ResendInterval {
			if err := b.retry(ctx, "re-sending a transaction", func(ctx context.Context) error { return b.resend(ctx, tx) }); err != nil {
				return nil, err
			}
			lastSent = time.Now()
		}
		b.mine()
		if err := sleep(ctx, b.cfg.PollInterval); err != nil {
			return nil, fmt.Errorf("ethboard: waiting for transaction %v: %w", tx.Hash(), err)
		}
	}
}

// revertReason explains a transaction that was mined but reverted: it runs
// the call again on the state before its block for the contract's reason.
func (b *Board) revertReason(ctx context.Context, tx *types.Transaction, r *types.Receipt) error {
	failed := fmt.Errorf("ethboard: transaction %v reverted in block %v", tx.Hash(), r.BlockNumber)
	if r.BlockNumber.Sign() == 0 {
		return failed
	}
	parent := new(big.Int).Sub(r.BlockNumber, big.NewInt(1))
	_, err := b.c.CallContract(ctx, ethereum.CallMsg{From: b.addr, To: tx.To(), Data: tx.Data(), Gas: tx.Gas()}, parent)
	var re *contract.RevertError
	if errors.As(contract.DecodeError(err), &re) {
		return fmt.Errorf("%w: %w", failed, re)
	}
	return failed
}
