// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

/// @title Veche bulletin board
/// @notice Append-only, hash-chained, access-controlled logs, one per topic.
/// The byte-exact specification is docs/spec/bulletin.md; the Go package
/// bulletin implements the same rules (bulletin.Admit) and the same chain
/// (bulletin.NextHead). Entries live only in Posted events: the contract
/// stores per topic its owner, phase, head and count, and per (topic, poster)
/// a 256-bit mask of the kinds the poster may post.
///
/// No function loops over stored data: appendBatch loops over its own
/// calldata only, so gas per entry does not grow with the topic.
contract BulletinBoard {
    /// @notice The largest payload of one entry (bulletin.MaxPayload).
    uint256 public constant MAX_PAYLOAD = 122880;

    // Entry kinds (bulletin/kind.go). Do NOT reorder or renumber.
    uint16 internal constant K_MANIFEST = 1;
    uint16 internal constant K_TRUSTEE_JOINED = 2;
    uint16 internal constant K_DKG_COMMITMENTS = 3;
    uint16 internal constant K_DKG_SHARES = 4;
    uint16 internal constant K_DKG_COMPLAINT = 5;
    uint16 internal constant K_DKG_RESULT = 6;
    uint16 internal constant K_CREDENTIALS = 7;
    uint16 internal constant K_PHASE = 8;
    uint16 internal constant K_BALLOT_BATCH = 9;
    uint16 internal constant K_AUDITED_BALLOT = 10;
    uint16 internal constant K_TALLY_INPUT = 11;
    uint16 internal constant K_SHUFFLE = 12;
    uint16 internal constant K_DECRYPTION_SHARE = 13;
    uint16 internal constant K_RESULT = 14;
    uint16 internal constant K_DOC_ANCHOR = 64;
    uint16 internal constant K_DOC_REVOKE = 65;
    uint16 internal constant K_DOC_DISTRIBUTION = 66;
    uint16 internal constant K_MARKET = 67;
    uint16 internal constant K_SEALED_BID = 68;
    uint16 internal constant K_BID_DECRYPTION = 69;
    uint16 internal constant K_ALLOCATION = 70;
    uint16 internal constant K_AGGREGATE = 71;
    uint16 internal constant K_CHUNK_HEADER = 128;
    uint16 internal constant K_CHUNK = 129;

    // Phases (bulletin/phase.go). Do NOT reorder or renumber.
    uint8 internal constant P_SETUP = 1;
    uint8 internal constant P_KEY_CEREMONY = 2;
    uint8 internal constant P_OPEN = 3;
    uint8 internal constant P_CLOSED = 4;
    uint8 internal constant P_TALLYING = 5;
    uint8 internal constant P_PUBLISHED = 6;
    uint8 internal constant P_SERVICE = 7;

    // The phase table (docs/spec/bulletin.md, "Phase table"): bit k is set
    // when kind k may be posted in the phase. Chunk kinds are admitted by the
    // kind they carry and appear in no row.
    uint256 internal constant SETUP_KINDS =
        (1 << K_MANIFEST) | (1 << K_TRUSTEE_JOINED) | (1 << K_CREDENTIALS) | (1 << K_PHASE);
    uint256 internal constant KEY_CEREMONY_KINDS = (1 << K_TRUSTEE_JOINED) | (1 << K_DKG_COMMITMENTS)
        | (1 << K_DKG_SHARES) | (1 << K_DKG_COMPLAINT) | (1 << K_DKG_RESULT) | (1 << K_CREDENTIALS) | (1 << K_PHASE);
    uint256 internal constant OPEN_KINDS =
        (1 << K_PHASE) | (1 << K_BALLOT_BATCH) | (1 << K_AUDITED_BALLOT) | (1 << K_AGGREGATE);
    uint256 internal constant CLOSED_KINDS = (1 << K_PHASE) | (1 << K_TALLY_INPUT);
    uint256 internal constant TALLYING_KINDS =
        (1 << K_PHASE) | (1 << K_SHUFFLE) | (1 << K_DECRYPTION_SHARE) | (1 << K_RESULT);
    uint256 internal constant PUBLISHED_KINDS = 0;
    uint256 internal constant SERVICE_KINDS = (1 << K_DOC_ANCHOR) | (1 << K_DOC_REVOKE) | (1 << K_DOC_DISTRIBUTION)
        | (1 << K_MARKET) | (1 << K_SEALED_BID) | (1 << K_BID_DECRYPTION) | (1 << K_ALLOCATION) | (1 << K_AGGREGATE);

    /// @notice Every defined kind (bulletin.Kinds).
    uint256 public constant KNOWN_KINDS = SETUP_KINDS | KEY_CEREMONY_KINDS | OPEN_KINDS | CLOSED_KINDS
        | TALLYING_KINDS | SERVICE_KINDS | (1 << K_CHUNK_HEADER) | (1 << K_CHUNK);
    /// @notice The kinds a chunk may carry: all but the chunk kinds and phase.
    uint256 public constant CHUNKABLE_KINDS = KNOWN_KINDS & ~((1 << K_CHUNK_HEADER) | (1 << K_CHUNK) | (1 << K_PHASE));

    struct Topic {
        bytes32 head; // hash-chain head after the last entry; zero before the first
        uint64 count; // number of entries, the next sequence number
        uint8 phase;
        address owner; // zero: the topic does not exist
    }

    /// @notice The block the contract was deployed in: readers search for
    /// events from here, so they need not be told where the log begins.
    uint64 public immutable DEPLOYED_AT;

    mapping(bytes32 => Topic) private topics;
    mapping(bytes32 => mapping(address => uint256)) private posters;

    /// @notice A topic was created by owner in phase (setup or service).
    event TopicCreated(bytes32 indexed topic, address indexed owner, uint8 phase);
    /// @notice A topic's ownership moved.
    event OwnerChanged(bytes32 indexed topic, address indexed previousOwner, address indexed newOwner);
    /// @notice The owner set the kinds poster may post (a mask; 0 revokes).
    event PosterSet(bytes32 indexed topic, address indexed poster, uint256 kinds);
    /// @notice Entry seq of topic: kind, payload, and the chain head after it.
    event Posted(
        bytes32 indexed topic, uint64 indexed seq, address indexed poster, uint16 kind, bytes payload, bytes32 head
    );

    error UnknownTopic(bytes32 topic);
    error TopicExists(bytes32 topic);
    error InvalidInitialPhase(uint8 phase);
    error NotOwner(bytes32 topic, address caller);
    error ZeroAddress();
    error NotAuthorized(bytes32 topic, address poster, uint16 kind);
    error WrongPhase(bytes32 topic, uint8 phase, uint16 kind);
    error BadPhaseTransition(bytes32 topic, uint8 from, uint8 to);
    error PayloadTooLarge(uint256 size, uint256 limit);
    error UnknownKind(uint16 kind);
    error MalformedPayload(uint16 kind);
    error EmptyBatch();
    error LengthMismatch(uint256 kinds, uint256 payloads);

    constructor() {
        DEPLOYED_AT = uint64(block.number);
    }

    /// @notice Creates topic, owned by the caller, in phase P_SETUP (an
    /// election) or P_SERVICE (a service topic).
    function createTopic(bytes32 topic, uint8 phase) external {
        if (phase != P_SETUP && phase != P_SERVICE) revert InvalidInitialPhase(phase);
        Topic storage t = topics[topic];
        if (t.owner != address(0)) revert TopicExists(topic);
        t.owner = msg.sender;
        t.phase = phase;
        emit TopicCreated(topic, msg.sender, phase);
    }

    /// @notice Hands the topic to newOwner. Only the owner may call it.
    function setOwner(bytes32 topic, address newOwner) external {
        Topic storage t = _owned(topic);
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnerChanged(topic, t.owner, newOwner);
        t.owner = newOwner;
    }

    /// @notice Sets the kinds poster may post to topic: bit k of kinds for
    /// kind k, replacing the earlier mask; 0 revokes. Only the owner may
    /// call it.
    function setPoster(bytes32 topic, address poster, uint256 kinds) external {
        _owned(topic);
        posters[topic][poster] = kinds;
        emit PosterSet(topic, poster, kinds);
    }

    /// @notice Appends one entry and returns its sequence number.
    function append(bytes32 topic, uint16 kind, bytes calldata payload) external returns (uint64 seq) {
        Topic storage t = topics[topic];
        (bytes32 head, uint64 count, uint8 phase) = _load(t, topic);
        uint256 may = posters[topic][msg.sender];
        uint8 next = _admit(topic, phase, may, kind, payload);
        t.head = _post(topic, head, count, kind, payload);
        t.count = count + 1;
        if (next != phase) t.phase = next;
        return count;
    }

    /// @notice Appends kinds.length entries in order, atomically, and returns
    /// the sequence number of the first. A phase entry in the batch applies
    /// to the entries after it.
    function appendBatch(bytes32 topic, uint16[] calldata kinds, bytes[] calldata payloads)
        external
        returns (uint64 first)
    {
        uint256 n = kinds.length;
        if (n == 0) revert EmptyBatch();
        if (payloads.length != n) revert LengthMismatch(n, payloads.length);
        Topic storage t = topics[topic];
        (bytes32 head, uint64 count, uint8 phase) = _load(t, topic);
        uint256 may = posters[topic][msg.sender];
        uint8 start = phase;
        first = count;
        for (uint256 i = 0; i < n; ++i) {
            bytes calldata payload = payloads[i];
            phase = _admit(topic, phase, may, kinds[i], payload);
            head = _post(topic, head, count, kinds[i], payload);
            ++count;
        }
        t.head = head;
        t.count = count;
        if (phase != start) t.phase = phase;
    }

    /// @notice The topic's chain head and entry count.
    function topicHead(bytes32 topic) external view returns (bytes32 head, uint64 count) {
        Topic storage t = topics[topic];
        (head, count,) = _load(t, topic);
    }

    /// @notice Everything the contract stores about a topic.
    function topicInfo(bytes32 topic)
        external
        view
        returns (address owner, uint8 phase, bytes32 head, uint64 count)
    {
        Topic storage t = topics[topic];
        (head, count, phase) = _load(t, topic);
        owner = t.owner;
    }

    /// @notice The kinds poster may post to topic, as a mask.
    function posterKinds(bytes32 topic, address poster) external view returns (uint256) {
        return posters[topic][poster];
    }

    /// @notice The phase table: the kinds that may be posted in phase, as a
    /// mask (bulletin.AllowedKinds).
    function allowedKinds(uint8 phase) public pure returns (uint256) {
        if (phase == P_SETUP) return SETUP_KINDS;
        if (phase == P_KEY_CEREMONY) return KEY_CEREMONY_KINDS;
        if (phase == P_OPEN) return OPEN_KINDS;
        if (phase == P_CLOSED) return CLOSED_KINDS;
        if (phase == P_TALLYING) return TALLYING_KINDS;
        if (phase == P_PUBLISHED) return PUBLISHED_KINDS;
        if (phase == P_SERVICE) return SERVICE_KINDS;
        return 0;
    }

    function _load(Topic storage t, bytes32 topic) private view returns (bytes32, uint64, uint8) {
        if (t.owner == address(0)) revert UnknownTopic(topic);
        return (t.head, t.count, t.phase);
    }

    function _owned(bytes32 topic) private view returns (Topic storage t) {
        t = topics[topic];
        if (t.owner == address(0)) revert UnknownTopic(topic);
        if (t.owner != msg.sender) revert NotOwner(topic, msg.sender);
    }

    /// @dev The admission rule, in the order of bulletin.Admit: size, kind,
    /// authorisation (of the effective kind), phase table, phase transition.
    /// Returns the phase after the entry.
    function _admit(bytes32 topic, uint8 phase, uint256 may, uint16 kind, bytes calldata payload)
        private
        view
        returns (uint8)
    {
        if (payload.length > MAX_PAYLOAD) revert PayloadTooLarge(payload.length, MAX_PAYLOAD);
        if (kind >= 256 || (KNOWN_KINDS >> kind) & 1 == 0) revert UnknownKind(kind);
        uint16 eff = kind;
        if (kind == K_CHUNK_HEADER || kind == K_CHUNK) {
            if (payload.length < 2) revert MalformedPayload(kind);
            eff = uint16(bytes2(payload[0:2]));
            if (eff >= 256 || (CHUNKABLE_KINDS >> eff) & 1 == 0) revert MalformedPayload(kind);
        }
        if ((may >> eff) & 1 == 0) revert NotAuthorized(topic, msg.sender, eff);
        if ((allowedKinds(phase) >> eff) & 1 == 0) revert WrongPhase(topic, phase, eff);
        if (kind != K_PHASE) return phase;
        if (payload.length == 0) revert MalformedPayload(kind);
        uint8 to = uint8(payload[0]);
        // The table allows phase entries only in setup..tallying.
        if (to != phase + 1) revert BadPhaseTransition(topic, phase, to);
        return to;
    }

    /// @dev Emits Posted for entry seq and returns the new head
    /// keccak256(head || topic || u64be(seq) || u16be(kind) || keccak256(payload)).
    /// It works in scratch memory past the free-memory pointer, reused by every
    /// entry of a batch, so memory (and its quadratic cost) does not grow with
    /// the batch.
    function _post(bytes32 topic, bytes32 head, uint64 seq, uint16 kind, bytes calldata payload)
        private
        returns (bytes32 next)
    {
        bytes32 sig = Posted.selector;
        assembly ("memory-safe") {
            // Types narrower than 256 bits may have dirty upper bits here.
            kind := and(kind, 0xffff)
            seq := and(seq, 0xffffffffffffffff)
            let p := mload(0x40)
            let data := add(p, 0x80)
            let len := payload.length
            calldatacopy(data, payload.offset, len)
            let payloadHash := keccak256(data, len)
            // The 106-byte hash input, in p[0:106] (below data).
            mstore(p, head)
            mstore(add(p, 0x20), topic)
            mstore(add(p, 0x40), shl(192, seq))
            mstore(add(p, 0x48), shl(240, kind))
            mstore(add(p, 0x4a), payloadHash)
            next := keccak256(p, 106)
            // The event data, abi.encode(kind, payload, next): kind, offset
            // of payload (0x60), next, length, payload padded with zeros.
            mstore(p, kind)
            mstore(add(p, 0x20), 0x60)
            mstore(add(p, 0x40), next)
            mstore(add(p, 0x60), len)
            mstore(add(data, len), 0)
            log4(p, add(0x80, and(add(len, 31), not(31))), sig, topic, seq, caller())
        }
    }
}
