// A restricted unpickler for `torch.save` state dicts. Python's pickle runs arbitrary callables
// (that is why torch added `weights_only=True`); this one runs none. It knows the opcodes a state
// dict uses and an allow-list of globals, each with a fixed meaning here: `OrderedDict()` is an
// empty dictionary, `_rebuild_tensor_v2(...)` and `_rebuild_parameter(...)` describe a tensor,
// `torch.FloatStorage` & co. name a storage's element type. Any other global (`os.system`,
// `builtins.eval`, ...) is an error naming it; nothing is imported or called. Sizes are bounded.

import VoiceEmotionCore

/// Element types of storages, as torch names them.
package enum StorageType: String, CaseIterable {
    case float = "FloatStorage", half = "HalfStorage", bfloat16 = "BFloat16Storage", double = "DoubleStorage"
    case long = "LongStorage", int = "IntStorage", short = "ShortStorage", char = "CharStorage", byte = "ByteStorage", bool = "BoolStorage"

    var byteSize: Int {
        switch self {
        case .double, .long: return 8
        case .float, .int: return 4
        case .half, .bfloat16, .short: return 2
        case .char, .byte, .bool: return 1
        }
    }
}

/// A tensor as the pickle describes it: a view into a storage.
package struct TensorDescription: Equatable {
    let storageKey: String
    let storageType: StorageType
    let storageElements: Int
    let offset: Int
    let shape: [Int]
    let stride: [Int]
}

/// The values a state-dict pickle builds.
package enum PickleValue: Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    /// Key-value pairs in insertion order (dicts and OrderedDicts).
    case dict([(PickleValue, PickleValue)])
    /// An allowed global, before it is called.
    case global(String)
    /// A storage reference (a persistent id).
    case storage(key: String, type: StorageType, elements: Int)
    case tensor(TensorDescription)

    package static func == (a: PickleValue, b: PickleValue) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.float(let x), .float(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.tuple(let x), .tuple(let y)), (.list(let x), .list(let y)): return x == y
        case (.dict(let x), .dict(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.global(let x), .global(let y)): return x == y
        case (.storage(let k1, let t1, let e1), .storage(let k2, let t2, let e2)): return k1 == k2 && t1 == t2 && e1 == e2
        case (.tensor(let x), .tensor(let y)): return x == y
        default: return false
        }
    }
}

/// Runs a state-dict pickle.
package struct Unpickler {
    let path: String
    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    /// Values with their nesting depth (0 for scalars), which is bounded so that no later
    /// recursion over a value (comparison, release) can exhaust the thread's stack.
    private var stack: [(value: PickleValue, depth: Int)] = []
    private var marks: [Int] = []
    private var memo: [Int: (value: PickleValue, depth: Int)] = [:]
    /// Elements in containers at each update: charged so that a pickle updating a memoized
    /// container item by item (each update a copy) fails fast instead of running in n² time.
    private var updateCost = 0

    /// Bounds: a real state dict has a few thousand entries nested four deep, and torch batches
    /// its dictionary updates a thousand at a time.
    static let maximumStack = 1_000_000
    /// Memo entries per input byte: torch's pickles spend 10-15 bytes on each (9.6 and 15.2 on
    /// the fixtures), so one per 8 bytes (+4096) leaves room while a pickle of nothing but memo
    /// operations (10 MB of them used to take 1.77 GB) stays within ~20x its own size.
    static let memoBytesPerEntry = 8, memoAllowance = 4096
    /// Marks open at once: a state dict opens a few (each SETITEMS closes its own); 50 MB of
    /// MARK operations used to take 608 MB.
    static let maximumOpenMarks = 10_000
    static let maximumDimensions = 32
    static let maximumNesting = 100
    static let maximumUpdateCost = 50_000_000

    /// The globals a state dict may name, by "module.name".
    static let allowedGlobals: Set<String> = Set([
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    ] + StorageType.allCases.map { "torch." + $0.rawValue })

    package init(path: String, bytes: UnsafeRawBufferPointer) {
        self.path = path
        self.bytes = bytes
    }

    private func invalid(_ reason: String) -> VoiceEmotionError {
        .invalidTorchCheckpoint(path: path, reason: "data.pkl: \(reason)")
    }

    // MARK: - Reading the stream

    private mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - position else { throw invalid("truncated at byte \(position)") }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }
    private mutating func byte() throws -> UInt8 { try take(1)[0] }
    private mutating func uint16() throws -> Int { let b = try take(2); return Int(b[0]) | Int(b[1]) << 8 }
    private mutating func uint32() throws -> Int { let b = try take(4); return (0..<4).reduce(0) { $0 | Int(b[$1]) << (8 * $1) } }
    private mutating func int32() throws -> Int { Int(Int32(truncatingIfNeeded: try uint32())) }
    private mutating func uint64() throws -> UInt64 {
        let b = try take(8)
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[$1]) << (8 * UInt64($1)) }
    }
    private mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw invalid("unterminated line at byte \(position)") }
        defer { position = end + 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
    }
    private mutating func text(_ count: Int) throws -> String {
        String(decoding: try take(count), as: UTF8.self)
    }

    /// Pushes a value; `depth` is its nesting (a container's is one more than its deepest element's).
    private mutating func push(_ value: PickleValue, depth: Int = 0) throws {
        guard stack.count < Self.maximumStack else { throw invalid("stack deeper than \(Self.maximumStack)") }
        guard depth <= Self.maximumNesting else { throw invalid("values nested more than \(Self.maximumNesting) deep") }
        stack.append((value, depth))
    }
    private mutating func popItem() throws -> (value: PickleValue, depth: Int) {
        guard marks.last.map({ stack.count > $0 }) ?? true, let item = stack.popLast() else { throw invalid("stack underflow at byte \(position)") }
        return item
    }
    private mutating func pop() throws -> PickleValue { try popItem().value }
    /// The values above the last mark, and the deepest one's depth.
    private mutating func popToMark() throws -> (values: [PickleValue], depth: Int) {
        guard let mark = marks.popLast(), mark <= stack.count else { throw invalid("no mark at byte \(position)") }
        defer { stack.removeSubrange(mark...) }
        return (stack[mark...].map(\.value), stack[mark...].map(\.depth).max() ?? 0)
    }
    /// Pushes a container whose deepest element has depth `deepest` (-1 when empty).
    private mutating func pushContainer(_ value: PickleValue, deepest: Int) throws { try push(value, depth: deepest + 1) }
    private mutating func store(_ index: Int) throws {
        guard let top = stack.last else { throw invalid("memo of an empty stack") }
        let maximumMemo = Self.memoAllowance + bytes.count / Self.memoBytesPerEntry
        guard memo.count < maximumMemo else { throw invalid("more than \(maximumMemo) memo entries for \(bytes.count) bytes") }
        memo[index] = top
    }
    private mutating func fetch(_ index: Int) throws {
        guard let item = memo[index] else { throw invalid("memo entry \(index) is not set") }
        try push(item.value, depth: item.depth)
    }

    /// What APPEND(S) and SETITEM(S) do to the container on top of the stack.
    private enum Update {
        case append([PickleValue])
        case set([(PickleValue, PickleValue)])
    }

    /// Updates the list or dict on top of the stack in place (the stack's reference is dropped
    /// first, so unless the memo shares it the array grows without a copy). `deepest`: the
    /// depth of the deepest value added.
    private mutating func update(_ change: Update, deepest: Int) throws {
        guard let top = stack.indices.last, marks.last.map({ top >= $0 }) ?? true else { throw invalid("stack underflow at byte \(position)") }
        var (value, depth) = stack[top]
        stack[top].value = .none
        switch (value, change) {
        case (.list(var list), .append(let items)):
            value = .none  // `list` is now the only reference
            updateCost += list.count + items.count
            list += items
            value = .list(list)
        case (.dict(var pairs), .set(let items)):
            value = .none
            updateCost += pairs.count + items.count
            pairs += items
            value = .dict(pairs)
        case (_, .append): throw invalid("APPEND to a non-list")
        case (_, .set): throw invalid("SETITEM on a non-dict")
        }
        guard updateCost <= Self.maximumUpdateCost else { throw invalid("updates its containers element by element far more than a state dict does") }
        depth = max(depth, deepest + 1)
        guard depth <= Self.maximumNesting else { throw invalid("values nested more than \(Self.maximumNesting) deep") }
        stack[top] = (value, depth)
    }

    // MARK: - The machine

    /// Runs the pickle and returns its value.
    package mutating func run() throws -> PickleValue {
        while true {
            let opcode = try byte()
            switch opcode {
            case 0x80: _ = try byte()                                          // PROTO
            case 0x95: _ = try take(8)                                         // FRAME
            case 0x2E:                                                         // STOP
                guard stack.count == 1, marks.isEmpty else { throw invalid("STOP with \(stack.count) values on the stack") }
                return stack[0].value
            case 0x28:                                                         // MARK
                guard marks.count < Self.maximumOpenMarks else { throw invalid("more than \(Self.maximumOpenMarks) marks open at once") }
                marks.append(stack.count)
            case 0x4E: try push(.none)                                         // NONE
            case 0x88: try push(.bool(true))                                   // NEWTRUE
            case 0x89: try push(.bool(false))                                  // NEWFALSE
            case 0x4B: try push(.int(Int(try byte())))                         // BININT1
            case 0x4D: try push(.int(try uint16()))                            // BININT2
            case 0x4A: try push(.int(try int32()))                             // BININT
            case 0x8A:                                                         // LONG1
                let count = Int(try byte())
                guard count <= 8 else { throw invalid("an integer of \(count) bytes") }
                let b = try take(count)
                var value: Int64 = 0
                for i in 0..<count { value |= Int64(b[i]) << (8 * Int64(i)) }
                if count > 0, count < 8, b[count - 1] & 0x80 != 0 { value -= Int64(1) << (8 * Int64(count)) }
                try push(.int(Int(value)))
            case 0x47:                                                         // BINFLOAT (big-endian)
                try push(.float(Double(bitPattern: try uint64().byteSwapped)))
            case 0x58: let n = try uint32(); try push(.string(try text(n)))    // BINUNICODE
            case 0x8C: let n = Int(try byte()); try push(.string(try text(n))) // SHORT_BINUNICODE
            case 0x8D:                                                         // BINUNICODE8
                let n = try uint64()
                guard n <= UInt64(bytes.count) else { throw invalid("a string longer than the pickle") }
                try push(.string(try text(Int(n))))
            case 0x42: let n = try uint32(); try push(.bytes([UInt8](try take(n))))       // BINBYTES
            case 0x43: let n = Int(try byte()); try push(.bytes([UInt8](try take(n))))    // SHORT_BINBYTES
            case 0x29: try push(.tuple([]))                                    // EMPTY_TUPLE
            case 0x85:                                                         // TUPLE1
                let a = try popItem()
                try pushContainer(.tuple([a.value]), deepest: a.depth)
            case 0x86:                                                         // TUPLE2
                let b = try popItem(), a = try popItem()
                try pushContainer(.tuple([a.value, b.value]), deepest: max(a.depth, b.depth))
            case 0x87:                                                         // TUPLE3
                let c = try popItem(), b = try popItem(), a = try popItem()
                try pushContainer(.tuple([a.value, b.value, c.value]), deepest: max(a.depth, b.depth, c.depth))
            case 0x74: let (items, deepest) = try popToMark(); try pushContainer(.tuple(items), deepest: deepest)  // TUPLE
            case 0x5D: try pushContainer(.list([]), deepest: -1)              // EMPTY_LIST
            case 0x6C: let (items, deepest) = try popToMark(); try pushContainer(.list(items), deepest: deepest)   // LIST
            case 0x61:                                                         // APPEND
                let item = try popItem()
                try update(.append([item.value]), deepest: item.depth)
            case 0x65:                                                         // APPENDS
                let (items, deepest) = try popToMark()
                try update(.append(items), deepest: deepest)
            case 0x7D: try pushContainer(.dict([]), deepest: -1)              // EMPTY_DICT
            case 0x64:                                                         // DICT
                let (items, deepest) = try popToMark()
                guard items.count % 2 == 0 else { throw invalid("DICT with an odd number of items") }
                try pushContainer(.dict(stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }), deepest: deepest)
            case 0x73:                                                         // SETITEM
                let value = try popItem(), key = try popItem()
                try update(.set([(key.value, value.value)]), deepest: max(key.depth, value.depth))
            case 0x75:                                                         // SETITEMS
                let (items, deepest) = try popToMark()
                guard items.count % 2 == 0 else { throw invalid("SETITEMS with an odd number of items") }
                try update(.set(stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }), deepest: deepest)
            case 0x71: try store(Int(try byte()))                              // BINPUT
            case 0x72: try store(try uint32())                                 // LONG_BINPUT
            case 0x94: try store(memo.count)                                   // MEMOIZE
            case 0x68: try fetch(Int(try byte()))                              // BINGET
            case 0x6A: try fetch(try uint32())                                 // LONG_BINGET
            case 0x63:                                                         // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                try push(try global(module, name))
            case 0x93:                                                         // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                    throw invalid("STACK_GLOBAL without two strings")
                }
                try push(try global(module, name))
            case 0x51:                                                         // BINPERSID
                try push(try persistent(try pop()))
            case 0x52:                                                         // REDUCE
                let arguments = try pop(), callable = try pop()
                try push(try reduce(callable, arguments))
            case 0x62:                                                         // BUILD
                let state = try pop()
                guard case .dict = stack.last?.value else { throw invalid("BUILD on something other than a dict") }
                _ = state  // transformers' `_metadata` attribute (module versions): accepted, not needed
            default:
                throw invalid(String(format: "opcode 0x%02X at byte %d is not part of a state dict", opcode, position - 1))
            }
        }
    }

    /// An allowed global, or `unsafePickle` naming it.
    private func global(_ module: String, _ name: String) throws -> PickleValue {
        let qualified = module + "." + name
        guard Self.allowedGlobals.contains(qualified) else { throw VoiceEmotionError.unsafePickle(path: path, global: qualified) }
        return .global(qualified)
    }

    /// `('storage', torch.XStorage, key, location, numel)`.
    private func persistent(_ id: PickleValue) throws -> PickleValue {
        guard case .tuple(let parts) = id, parts.count == 5, parts[0] == .string("storage"),
              case .global(let typeName) = parts[1], let type = StorageType(rawValue: String(typeName.dropFirst("torch.".count))),
              case .string(let key) = parts[2], case .int(let elements) = parts[4], elements >= 0 else {
            throw invalid("a persistent id that is not a storage reference")
        }
        return .storage(key: key, type: type, elements: elements)
    }

    /// The only calls: an empty OrderedDict, and the two tensor constructors.
    private func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
        guard case .global(let name) = callable, case .tuple(let args) = arguments else {
            throw invalid("REDUCE of something that is not an allowed global")
        }
        switch name {
        case "collections.OrderedDict":
            guard args.isEmpty else { throw invalid("OrderedDict with arguments") }
            return .dict([])
        case "torch._utils._rebuild_tensor_v2":
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard args.count >= 4, case .storage(let key, let type, let elements) = args[0], case .int(let offset) = args[1],
                  case .tuple(let sizes) = args[2], case .tuple(let strides) = args[3] else {
                throw invalid("_rebuild_tensor_v2 with unexpected arguments")
            }
            let shape = try sizes.map { value -> Int in
                guard case .int(let v) = value, v >= 0 else { throw invalid("a tensor dimension that is not a non-negative integer") }
                return v
            }
            let stride = try strides.map { value -> Int in
                guard case .int(let v) = value, v >= 0 else { throw invalid("a tensor stride that is not a non-negative integer") }
                return v
            }
            guard shape.count == stride.count, shape.count <= Self.maximumDimensions, offset >= 0 else {
                throw invalid("a tensor whose size, stride and offset do not fit together")
            }
            return .tensor(TensorDescription(storageKey: key, storageType: type, storageElements: elements, offset: offset, shape: shape, stride: stride))
        case "torch._utils._rebuild_parameter":
            guard args.count >= 1, case .tensor = args[0] else { throw invalid("_rebuild_parameter without a tensor") }
            return args[0]
        default:
            throw VoiceEmotionError.unsafePickle(path: path, global: name + " (called)")
        }
    }
}
