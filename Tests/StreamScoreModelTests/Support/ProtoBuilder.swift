/// A tiny protobuf encoder for building ONNX test models without Python.
struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, wire: UInt64) { varint(UInt64(field) << 3 | wire) }

    mutating func int(_ field: Int, _ value: Int64) {
        key(field, wire: 0)
        varint(UInt64(bitPattern: value))
    }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, wire: 5)
        appendLittleEndian(value.bitPattern)
    }

    mutating func double(_ field: Int, _ value: Double) {
        key(field, wire: 1)
        appendLittleEndian(value.bitPattern)
    }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, wire: 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        var inner = ProtoWriter()
        for v in values { inner.appendLittleEndian(v.bitPattern) }
        bytes(field, inner.bytes)
    }

    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        var inner = ProtoWriter()
        for v in values { inner.appendLittleEndian(v.bitPattern) }
        bytes(field, inner.bytes)
    }

    mutating func packedVarints(_ field: Int, _ values: [Int64]) {
        var inner = ProtoWriter()
        for v in values { inner.varint(UInt64(bitPattern: v)) }
        bytes(field, inner.bytes)
    }

    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// Builders for serialized ONNX messages (field numbers from onnx.proto).
enum Onnx {
    static let float: Int64 = 1, int32: Int64 = 6, int64: Int64 = 7, string: Int64 = 8, bool: Int64 = 9, double: Int64 = 11

    static func model(_ graph: [UInt8], opsets: [(String, Int64)] = [("", 17), ("ai.onnx.ml", 3)],
                      irVersion: Int64 = 8, producer: String = "test-builder", producerVersion: String = "0.1",
                      metadata: [(String, String)] = []) -> [UInt8] {
        var w = ProtoWriter()
        w.int(1, irVersion)
        w.string(2, producer)
        w.string(3, producerVersion)
        for (domain, version) in opsets {
            var o = ProtoWriter()
            o.string(1, domain)
            o.int(2, version)
            w.bytes(8, o.bytes)
        }
        w.bytes(7, graph)
        for (k, v) in metadata {
            var e = ProtoWriter()
            e.string(1, k)
            e.string(2, v)
            w.bytes(14, e.bytes)
        }
        return w.bytes
    }

    static func graph(name: String = "g", nodes: [[UInt8]], initializers: [[UInt8]] = [], inputs: [[UInt8]],
                      outputs: [[UInt8]], valueInfo: [[UInt8]] = []) -> [UInt8] {
        var w = ProtoWriter()
        for n in nodes { w.bytes(1, n) }
        w.string(2, name)
        for t in initializers { w.bytes(5, t) }
        for i in inputs { w.bytes(11, i) }
        for o in outputs { w.bytes(12, o) }
        for v in valueInfo { w.bytes(13, v) }
        return w.bytes
    }

    static func node(_ op: String, inputs: [String], outputs: [String], name: String = "", domain: String? = nil,
                     attributes: [[UInt8]] = []) -> [UInt8] {
        var w = ProtoWriter()
        for i in inputs { w.string(1, i) }
        for o in outputs { w.string(2, o) }
        if !name.isEmpty { w.string(3, name) }
        w.string(4, op)
        for a in attributes { w.bytes(5, a) }
        if let domain { w.string(7, domain) }
        w.string(6, "doc string to be skipped")
        return w.bytes
    }

    // MARK: Attributes

    private static func attribute(_ name: String, type: Int64?, _ body: (inout ProtoWriter) -> Void) -> [UInt8] {
        var w = ProtoWriter()
        w.string(1, name)
        if let type { w.int(20, type) }
        body(&w)
        return w.bytes
    }

    static func attr(_ name: String, float value: Float, typed: Bool = true) -> [UInt8] {
        attribute(name, type: typed ? 1 : nil) { $0.float(2, value) }
    }
    static func attr(_ name: String, int value: Int64, typed: Bool = true) -> [UInt8] {
        attribute(name, type: typed ? 2 : nil) { $0.int(3, value) }
    }
    static func attr(_ name: String, string value: String) -> [UInt8] {
        attribute(name, type: 3) { $0.string(4, value) }
    }
    static func attr(_ name: String, tensor: [UInt8]) -> [UInt8] {
        attribute(name, type: 4) { $0.bytes(5, tensor) }
    }
    static func attr(_ name: String, graph: [UInt8]) -> [UInt8] {
        attribute(name, type: 5) { $0.bytes(6, graph) }
    }
    static func attr(_ name: String, floats: [Float], packed: Bool) -> [UInt8] {
        attribute(name, type: 6) { w in
            if packed { w.packedFloats(7, floats) } else { for f in floats { w.float(7, f) } }
        }
    }
    static func attr(_ name: String, ints: [Int64], packed: Bool) -> [UInt8] {
        attribute(name, type: 7) { w in
            if packed { w.packedVarints(8, ints) } else { for i in ints { w.int(8, i) } }
        }
    }
    static func attr(_ name: String, strings: [String]) -> [UInt8] {
        attribute(name, type: 8) { w in for s in strings { w.string(9, s) } }
    }
    static func attr(_ name: String, tensors: [[UInt8]]) -> [UInt8] {
        attribute(name, type: 9) { w in for t in tensors { w.bytes(10, t) } }
    }

    // MARK: Tensors

    static func tensor(_ name: String = "", dims: [Int64], floats: [Float], raw: Bool = false) -> [UInt8] {
        tensor(name, dims: dims, type: float) { w in
            if raw {
                var r = ProtoWriter()
                for f in floats { r.appendLittleEndian(f.bitPattern) }
                w.bytes(9, r.bytes)
            } else {
                w.packedFloats(4, floats)
            }
        }
    }
    static func tensor(_ name: String = "", dims: [Int64], doubles: [Double], raw: Bool = false) -> [UInt8] {
        tensor(name, dims: dims, type: double) { w in
            if raw {
                var r = ProtoWriter()
                for d in doubles { r.appendLittleEndian(d.bitPattern) }
                w.bytes(9, r.bytes)
            } else {
                w.packedDoubles(10, doubles)
            }
        }
    }
    static func tensor(_ name: String = "", dims: [Int64], int64s: [Int64], raw: Bool = false) -> [UInt8] {
        tensor(name, dims: dims, type: int64) { w in
            if raw {
                var r = ProtoWriter()
                for v in int64s { r.appendLittleEndian(v) }
                w.bytes(9, r.bytes)
            } else {
                w.packedVarints(7, int64s)
            }
        }
    }
    static func tensor(_ name: String = "", dims: [Int64], int32s: [Int32]) -> [UInt8] {
        tensor(name, dims: dims, type: int32) { w in w.packedVarints(5, int32s.map(Int64.init)) }
    }
    static func tensor(_ name: String = "", dims: [Int64], strings: [String]) -> [UInt8] {
        tensor(name, dims: dims, type: string) { w in for s in strings { w.string(6, s) } }
    }
    static func tensor(_ name: String = "", dims: [Int64], type: Int64, body: (inout ProtoWriter) -> Void) -> [UInt8] {
        var w = ProtoWriter()
        w.packedVarints(1, dims)
        w.int(2, type)
        if !name.isEmpty { w.string(8, name) }
        body(&w)
        return w.bytes
    }

    // MARK: Value infos

    /// A tensor value info; `nil` dims are written as symbolic `dim_param`.
    static func valueInfo(_ name: String, type elemType: Int64, dims: [Int?]?) -> [UInt8] {
        var tensorType = ProtoWriter()
        tensorType.int(1, elemType)
        if let dims {
            var shape = ProtoWriter()
            for d in dims {
                var dim = ProtoWriter()
                if let d { dim.int(1, Int64(d)) } else { dim.string(2, "N") }
                shape.bytes(1, dim.bytes)
            }
            tensorType.bytes(2, shape.bytes)
        }
        var type = ProtoWriter()
        type.bytes(1, tensorType.bytes)
        var w = ProtoWriter()
        w.string(1, name)
        w.bytes(2, type.bytes)
        return w.bytes
    }

    /// A `seq(map(key, tensor(float)))` value info, as ZipMap outputs declare.
    static func mapSequenceInfo(_ name: String, keyType: Int64) -> [UInt8] {
        var valueTensor = ProtoWriter()
        valueTensor.int(1, float)
        var valueType = ProtoWriter()
        valueType.bytes(1, valueTensor.bytes)
        var map = ProtoWriter()
        map.int(1, keyType)
        map.bytes(2, valueType.bytes)
        var mapType = ProtoWriter()
        mapType.bytes(5, map.bytes)
        var sequence = ProtoWriter()
        sequence.bytes(1, mapType.bytes)
        var type = ProtoWriter()
        type.bytes(4, sequence.bytes)
        var w = ProtoWriter()
        w.string(1, name)
        w.bytes(2, type.bytes)
        return w.bytes
    }
}
