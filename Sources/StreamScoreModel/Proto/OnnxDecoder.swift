/// Decoders for the ONNX protobuf messages the runtime needs (field numbers from onnx.proto).
/// Unknown fields are skipped; every read is bounds-checked by `ProtoReader`.
enum OnnxDecoder {
    // MARK: - ModelProto

    static func model(_ r: inout ProtoReader) throws(ModelError) -> OnnxModel {
        var irVersion: Int64 = 0
        var opsets: [String: Int] = [:]
        var producerName = ""
        var producerVersion = ""
        var graph: Graph?
        var metadata: [String: String] = [:]
        while r.hasMore {
            let (field, wire) = try r.readKey()
            switch field {
            case 1:
                try r.expect(wire, .varint, field: "ir_version")
                irVersion = try r.readInt64()
            case 2:
                try r.expect(wire, .lengthDelimited, field: "producer_name")
                producerName = try r.readString()
            case 3:
                try r.expect(wire, .lengthDelimited, field: "producer_version")
                producerVersion = try r.readString()
            case 7:
                try r.expect(wire, .lengthDelimited, field: "graph")
                var sub = try r.readMessage("graph")
                graph = try self.graph(&sub)
            case 8:
                try r.expect(wire, .lengthDelimited, field: "opset_import")
                var sub = try r.readMessage("opset_import")
                let (domain, version) = try opsetImport(&sub)
                opsets[normalizedDomain(domain)] = version
            case 14:
                try r.expect(wire, .lengthDelimited, field: "metadata_props")
                var sub = try r.readMessage("metadata_props")
                let (key, value) = try stringPair(&sub)
                metadata[key] = value
            default:
                try r.skip(wire, field: field)
            }
        }
        guard let graph else { throw .malformed("ModelProto has no graph") }
        if opsets.isEmpty {
            // IR version < 3 files carry no opset import; they target opset 1.
            opsets[""] = 1
        }
        return OnnxModel(irVersion: irVersion, opsets: opsets, producerName: producerName,
                         producerVersion: producerVersion, graph: graph, metadata: metadata)
    }

    static func opsetImport(_ r: inout ProtoReader) throws(ModelError) -> (String, Int) {
        var domain = ""
        var version: Int64 = 0
        while r.hasMore {
            let (field, wire) = try r.readKey()
            switch field {
            case 1:
                try r.expect(wire, .lengthDelimited, field: "domain")
                domain = try r.readString()
            case 2:
                try r.expect(wire, .varint, field: "version")
                version = try r.readInt64()
            default: try r.skip(wire, field: field)
            }
        }
        guard version >= 0, version <= Int64(Int32.max) else {
            throw r.error("invalid opset version \(version) for domain '\(domain)'", at: r.start)
        }
        return (domain, Int(version))
    }

    static func stringPair(_ r: inout ProtoReader) throws(ModelError) -> (String, String) {
        var key = ""
        var value = ""
        while r.hasMore {
            let (field, wire) = try r.readKey()
            switch field {
            case 1:
                try r.expect(wire, .lengthDelimited, field: "key")
                key = try r.readString()
            case 2:
                try r.expect(wire, .lengthDelimited, field: "value")
                value = try r.readString()
            default: try r.skip(wire, field: field)
            }
        }
        return (key, value)
    }

    // MARK: - GraphProto

    static func graph(_ r: inout ProtoReader) throws(ModelError) -> Graph {
        var name = ""
        var nodes: [Node] = []
        var initializers: [String: Tensor] = [:]
        var inputs: [ValueInfo] = []
        var outputs: [ValueInfo] = []
        var valueInfo: [ValueInfo] = []
        while r.hasMore {
            let (field, wire) = try r.readKey()
            switch field {
            case 1:
                try r.expect(wire, .lengthDelimited, field: "node")
                var sub = try r.readMessage("node")
                nodes.append(try node(&sub))
            case 2:
                try r.expect(wire, .lengthDelimited, field: "name")
                name = try r.readString()
            case 5:
                try r.expect(wire, .lengthDelimited, field: "initializer")
                var sub = try r.readMessage("initializer")
                let (tensorName, tensor) = try self.tensor(&sub)
                guard !tensorName.isEmpty else { throw sub.error("initializer without a name") }
                initializers[tensorName] = tensor
            case 11, 12, 13:
                try r.expect(wire, .lengthDelimited, field: "input/output/value_info")
                var sub = try r.readMessage(field == 11 ? "input" : field == 12 ? "output" : "value_info")
                let info = try self.valueInfo(&sub)
                switch field {
                case 11: inputs.append(info)
                case 12: outputs.append(info)
                default: valueInfo.append(info)
                }
            case 15:
                throw r.error("sparse initializers are not supported")
            default:
                try r.skip(wire, field: field)
            }
        }
        return Graph(name: name, nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs,
                     valueInfo: valueInfo)
    }

    // MARK: - NodeProto

    static func node(_ r: inout ProtoReader) throws(ModelError) -> Node {
        var inputs: [String] = []
        var outputs: [String] = []
        var name = ""
        var opType = ""
        var domain = ""
        var attributes: [String: Attribute] = [:]
        while r.hasMore {
            let (field, wire) = try r.readKey()
            switch field {
            case 1:
                try r.expect(wire, .lengthDelimited, field: "input")
                inputs.append(try r.readString())
            case 2:
                try r.expect(wire, .lengthDelimited, field: "output")
                outputs.append(try r.readString())
            case 3:
                try r.expect(wire, .lengthDelimited, field: "name")
                name = try r.readString()
            case 4:
                try r.expect(wire, .lengthDelimited, field: "op_type")
                opType = try r.readString()
            case 5:
                try r.expect(wire, .lengthDelimited, field: "attribute")
                var sub = try r.readMessage("attribute")
                if let (attributeName, value) = try attribute(&sub) {
                    attributes[attributeName] = value
                }
            case 7:
                try r.expect(wire, .lengthDelimited, field: "domain")
                domain = try r.readString()
            default:
                try r.skip(wire, field: field)
            }
        }
        guard !opType.isEmpty else { throw r.error("node '\(name)' has no op_type", at: r.start) }
        return Node(name: name, opType: opType, domain: normalizedDomain(domain), inputs: inputs,
                    outputs: outputs, attributes: attributes)
    }

    // MARK: - AttributeProto

    /// Attribute type codes (`AttributeProto.AttributeType`).
    private enum AttributeType: Int64 {
        case undefined = 0, float = 1, int = 2, string = 3, tensor = 4, graph = 5
        case floats = 6, ints = 7, strings = 8, tensors = 9, graphs = 10
        case sparseTensor = 11, sparseTensors = 12, typeProto = 13, typeProtos = 14
    }

    /// Decodes an attribute. Returns nil for kinds the runtime does not model (graphs lists,
    /// sparse tensors, type protos); kernels needing those report them as missing.
    static func attribute(_ r: inout ProtoReader) throws(ModelError) -> (String, Attribute)? {
        var name = ""
        var declaredType: Int64?
        var f: Float?
        var i: Int64?
        var s: String?
        var t: Tensor?
        var g: Graph?
        var floats: [Float] = []
        var ints: [Int64] = []
        var strings: [String] = []
        var tensors: [Tensor] = []
        var sawRepeated: AttributeType?
        while r.hasMore {
            let (field, wire) = try r.readKey()
            switch field {
            case 1:
                try r.expect(wire, .lengthDelimited, field: "name")
                name = try r.readString()
            case 20:
                try r.expect(wire, .varint, field: "type")
                declaredType = try r.readInt64()
            case 2:
                try r.expect(wire, .fixed32, field: "f")
                f = try r.readFloat()
            case 3:
                try r.expect(wire, .varint, field: "i")
                i = try r.readInt64()
            case 4:
                try r.expect(wire, .lengthDelimited, field: "s")
                s = try r.readString()
            case 5:
                try r.expect(wire, .lengthDelimited, field: "t")
                var sub = try r.readMessage("t")
                t = try tensor(&sub).1
            case 6:
                try r.expect(wire, .lengthDelimited, field: "g")
                var sub = try r.readMessage("g")
                g = try graph(&sub)
            case 7:
                try r.readFloats(wire, into: &floats, field: "floats")
                sawRepeated = .floats
            case 8:
                try r.readVarints(wire, into: &ints, field: "ints")
                sawRepeated = .ints
            case 9:
                try r.expect(wire, .lengthDelimited, field: "strings")
                strings.append(try r.readString())
                sawRepeated = .strings
            case 10:
                try r.expect(wire, .lengthDelimited, field: "tensors")
                var sub = try r.readMessage("tensors")
                tensors.append(try tensor(&sub).1)
                sawRepeated = .tensors
            default:
                try r.skip(wire, field: field)
            }
        }
        // IR version 1 files have no type discriminator: infer it from the field present.
        let type: AttributeType
        if let declaredType, declaredType != 0 {
            guard let known = AttributeType(rawValue: declaredType) else {
                throw r.error("attribute '\(name)' has unknown type \(declaredType)", at: r.start)
            }
            type = known
        } else if f != nil { type = .float }
        else if i != nil { type = .int }
        else if s != nil { type = .string }
        else if t != nil { type = .tensor }
        else if g != nil { type = .graph }
        else if let sawRepeated { type = sawRepeated }
        else { throw r.error("attribute '\(name)' has no type and no value", at: r.start) }

        func missing(_ what: String) -> ModelError { r.error("attribute '\(name)' of type \(what) has no value", at: r.start) }
        switch type {
        case .float: guard let f else { throw missing("FLOAT") }; return (name, .float(f))
        case .int: guard let i else { throw missing("INT") }; return (name, .int(i))
        case .string: return (name, .string(s ?? ""))
        case .tensor: guard let t else { throw missing("TENSOR") }; return (name, .tensor(t))
        case .graph: guard let g else { throw missing("GRAPH") }; return (name, .graph(g))
        case .floats: return (name, .floats(floats))
        case .ints: return (name, .ints(ints))
        case .strings: return (name, .strings(strings))
        case .tensors: return (name, .tensors(tensors))
        case .undefined, .graphs, .sparseTensor, .sparseTensors, .typeProto, .typeProtos: return nil
        }
    }

    // MARK: - TensorProto

    /// `TensorProto.DataType` codes.
    enum DataType: Int64 {
        case undefined = 0, float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7
        case string = 8, bool = 9, float16 = 10, double = 11, uint32 = 12, uint64 = 13
        case complex64 = 14, complex128 = 15, bfloat16 = 16

        /// The runtime element type, or nil when unsupported. Small integer types widen to int32.
        var elementType: ElementType? {
            switch self {
            case .float: .float32
            case .double: .float64
            case .int64: .int64
            case .int32, .int8, .uint8, .int16, .uint16: .int32
            case .string: .string
            case .bool: .bool
            default: nil
            }
        }

        var onnxName: String {
            switch self {
            case .undefined: "undefined"
            case .float: "float"
            case .uint8: "uint8"
            case .int8: "int8"
            case .uint16: "uint16"
            case .int16: "int16"
            case .int32: "int32"
            case .int64: "int64"
            case .string: "string"
            case .bool: "bool"
            case .float16: "float16"
            case .double: "double"
            case .uint32: "uint32"
            case .uint64: "uint64"
            case .complex64: "complex64"
            case .complex128: "complex128"
            case .bfloat16: "bfloat16"
            }
        }
    }

    /// Decodes a tensor; returns its name (possibly empty) and value.
    static func tensor(_ r: inout ProtoReader) throws(ModelError) -> (String, Tensor) {
        var dims: [Int64] = []
        var dataTypeCode: Int64 = 0
        var name = ""
        var floatData: [Float] = []
        var int32Data: [Int64] = []
        var int64Data: [Int64] = []
        var doubleData: [Double] = []
        var stringData: [String] = []
        var raw: UnsafeBufferPointer<UInt8>?
        var rawOffset = 0
        var external = false
        while r.hasMore {
            let (field, wire) = try r.readKey()
            switch field {
            case 1: try r.readVarints(wire, into: &dims, field: "dims")
            case 2:
                try r.expect(wire, .varint, field: "data_type")
                dataTypeCode = try r.readInt64()
            case 4: try r.readFloats(wire, into: &floatData, field: "float_data")
            case 5: try r.readVarints(wire, into: &int32Data, field: "int32_data")
            case 6:
                try r.expect(wire, .lengthDelimited, field: "string_data")
                stringData.append(try r.readString())
            case 7: try r.readVarints(wire, into: &int64Data, field: "int64_data")
            case 8:
                try r.expect(wire, .lengthDelimited, field: "name")
                name = try r.readString()
            case 9:
                try r.expect(wire, .lengthDelimited, field: "raw_data")
                rawOffset = r.position
                raw = try r.readBytes()
            case 10: try r.readDoubles(wire, into: &doubleData, field: "double_data")
            case 13: external = true; try r.skip(wire, field: field)
            case 14:
                try r.expect(wire, .varint, field: "data_location")
                if try r.readInt64() == 1 { external = true }
            default: try r.skip(wire, field: field)
            }
        }
        let label = name.isEmpty ? "tensor" : "tensor '\(name)'"
        if external { throw r.error("\(label) uses external data, which is not supported", at: r.start) }
        guard let dataType = DataType(rawValue: dataTypeCode) else {
            throw r.error("\(label) has unknown data type \(dataTypeCode)", at: r.start)
        }
        guard let elementType = dataType.elementType else {
            throw r.error("\(label) has unsupported data type \(dataType.onnxName)", at: r.start)
        }
        var shape: [Int] = []
        var count = 1
        for d in dims {
            guard d >= 0, d <= Int64(Int32.max) else { throw r.error("\(label) has invalid dimension \(d)", at: r.start) }
            shape.append(Int(d))
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= Int(Int32.max) else { throw r.error("\(label) is too large", at: r.start) }
            count = product
        }

        let data: TensorData
        if let raw {
            data = try rawTensorData(raw, type: dataType, element: elementType, count: count, label: label,
                                     reader: r, offset: rawOffset)
        } else {
            switch dataType {
            case .float: data = .float32(floatData)
            case .double: data = .float64(doubleData)
            case .int64: data = .int64(int64Data)
            case .int32, .int8, .uint8, .int16, .uint16:
                data = .int32(int32Data.map { Int32(truncatingIfNeeded: $0) })
            case .bool: data = .bool(int32Data.map { $0 != 0 })
            case .string: data = .string(stringData)
            default: throw r.error("\(label) has unsupported data type \(dataType.onnxName)", at: r.start)
            }
        }
        guard data.count == count else {
            throw r.error("\(label) has shape \(shape) (\(count) elements) but \(data.count) values", at: r.start)
        }
        return (name, Tensor(shape: shape, data: data))
    }

    private static func rawTensorData(_ raw: UnsafeBufferPointer<UInt8>, type: DataType, element: ElementType,
                                      count: Int, label: String, reader r: ProtoReader,
                                      offset: Int) throws(ModelError) -> TensorData {
        let width: Int
        switch type {
        case .float, .int32: width = 4
        case .double, .int64: width = 8
        case .int8, .uint8, .bool: width = 1
        case .int16, .uint16: width = 2
        case .string: throw r.error("\(label) of type string cannot use raw_data", at: offset)
        default: throw r.error("\(label) has unsupported data type \(type.onnxName)", at: offset)
        }
        guard raw.count == count * width else {
            throw r.error("\(label) raw_data has \(raw.count) bytes, expected \(count * width) for \(count) \(type.onnxName) values",
                          at: offset)
        }
        let bytes = UnsafeRawBufferPointer(raw)
        func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
            T(littleEndian: bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
        }
        switch type {
        case .float:
            return .float32([Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = Float(bitPattern: load(UInt32.self, i)) }
                initialized = count
            })
        case .double:
            return .float64([Double](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = Double(bitPattern: load(UInt64.self, i)) }
                initialized = count
            })
        case .int64: return .int64((0..<count).map { load(Int64.self, $0) })
        case .int32: return .int32((0..<count).map { load(Int32.self, $0) })
        case .int16: return .int32((0..<count).map { Int32(load(Int16.self, $0)) })
        case .uint16: return .int32((0..<count).map { Int32(load(UInt16.self, $0)) })
        case .int8: return .int32((0..<count).map { Int32(Int8(bitPattern: raw[$0])) })
        case .uint8: return .int32((0..<count).map { Int32(raw[$0]) })
        case .bool: return .bool((0..<count).map { raw[$0] != 0 })
        default: throw r.error("\(label) has unsupported data type \(type.onnxName)", at: offset)
        }
    }

    // MARK: - ValueInfoProto / TypeProto

    static func valueInfo(_ r: inout ProtoReader) throws(ModelError) -> ValueInfo {
        var name = ""
        var type = ValueType.other("unspecified")
        while r.hasMore {
            let (field, wire) = try r.readKey()
            switch field {
            case 1:
                try r.expect(wire, .lengthDelimited, field: "name")
                name = try r.readString()
            case 2:
                try r.expect(wire, .lengthDelimited, field: "type")
                var sub = try r.readMessage("type")
                type = try typeProto(&sub)
            default: try r.skip(wire, field: field)
            }
        }
        return ValueInfo(name: name, type: type)
    }

    /// Intermediate form of a `TypeProto` before it is mapped to `ValueType`.
    private indirect enum DecodedType {
        case tensor(elem: Int64, shape: [Int?]?)
        case sequence(DecodedType?)
        case map(key: Int64, value: DecodedType?)
        case unknown(String)
    }

    static func typeProto(_ r: inout ProtoReader) throws(ModelError) -> ValueType {
        valueType(try decodedType(&r))
    }

    private static func valueType(_ decoded: DecodedType) -> ValueType {
        switch decoded {
        case .tensor(let elem, let shape):
            if let element = DataType(rawValue: elem)?.elementType, DataType(rawValue: elem) != .int8,
               DataType(rawValue: elem) != .uint8, DataType(rawValue: elem) != .int16,
               DataType(rawValue: elem) != .uint16 {
                return .tensor(element, shape: shape)
            }
            return .other("tensor(\(DataType(rawValue: elem)?.onnxName ?? "type \(elem)"))")
        case .sequence(.some(.map(let key, let value))):
            if case .tensor(let valueElem, _) = value, valueElem == DataType.float.rawValue,
               let keyType = DataType(rawValue: key), keyType == .int64 || keyType == .string {
                return .mapSequence(keys: keyType == .int64 ? .int64 : .string)
            }
            return .other(describe(decoded))
        default:
            return .other(describe(decoded))
        }
    }

    private static func describe(_ decoded: DecodedType?) -> String {
        switch decoded {
        case nil: return "unspecified"
        case .tensor(let elem, _)?: return "tensor(\(DataType(rawValue: elem)?.onnxName ?? "type \(elem)"))"
        case .sequence(let inner)?: return "seq(\(describe(inner)))"
        case .map(let key, let value)?:
            return "map(\(DataType(rawValue: key)?.onnxName ?? "type \(key)"),\(describe(value)))"
        case .unknown(let what)?: return what
        }
    }

    private static func decodedType(_ r: inout ProtoReader) throws(ModelError) -> DecodedType {
        var result = DecodedType.unknown("unspecified")
        while r.hasMore {
            let (field, wire) = try r.readKey()
            switch field {
            case 1:
                try r.expect(wire, .lengthDelimited, field: "tensor_type")
                var sub = try r.readMessage("tensor_type")
                result = try tensorType(&sub)
            case 4:
                try r.expect(wire, .lengthDelimited, field: "sequence_type")
                var sub = try r.readMessage("sequence_type")
                var element: DecodedType?
                while sub.hasMore {
                    let (f, w) = try sub.readKey()
                    if f == 1 {
                        try sub.expect(w, .lengthDelimited, field: "elem_type")
                        var inner = try sub.readMessage("elem_type")
                        element = try decodedType(&inner)
                    } else {
                        try sub.skip(w, field: f)
                    }
                }
                result = .sequence(element)
            case 5:
                try r.expect(wire, .lengthDelimited, field: "map_type")
                var sub = try r.readMessage("map_type")
                var key: Int64 = 0
                var value: DecodedType?
                while sub.hasMore {
                    let (f, w) = try sub.readKey()
                    switch f {
                    case 1:
                        try sub.expect(w, .varint, field: "key_type")
                        key = try sub.readInt64()
                    case 2:
                        try sub.expect(w, .lengthDelimited, field: "value_type")
                        var inner = try sub.readMessage("value_type")
                        value = try decodedType(&inner)
                    default: try sub.skip(w, field: f)
                    }
                }
                result = .map(key: key, value: value)
            case 8: try r.skip(wire, field: field); result = .unknown("sparse_tensor")
            case 9: try r.skip(wire, field: field); result = .unknown("optional")
            default: try r.skip(wire, field: field)
            }
        }
        return result
    }

    private static func tensorType(_ r: inout ProtoReader) throws(ModelError) -> DecodedType {
        var elem: Int64 = 0
        var shape: [Int?]?
        while r.hasMore {
            let (field, wire) = try r.readKey()
            switch field {
            case 1:
                try r.expect(wire, .varint, field: "elem_type")
                elem = try r.readInt64()
            case 2:
                try r.expect(wire, .lengthDelimited, field: "shape")
                var sub = try r.readMessage("shape")
                var dims: [Int?] = []
                while sub.hasMore {
                    let (f, w) = try sub.readKey()
                    guard f == 1 else { try sub.skip(w, field: f); continue }
                    try sub.expect(w, .lengthDelimited, field: "dim")
                    var dim = try sub.readMessage("dim")
                    var value: Int?
                    while dim.hasMore {
                        let (df, dw) = try dim.readKey()
                        if df == 1 {
                            try dim.expect(dw, .varint, field: "dim_value")
                            let v = try dim.readInt64()
                            value = v >= 0 && v <= Int64(Int32.max) ? Int(v) : nil
                        } else {
                            try dim.skip(dw, field: df)  // dim_param (symbolic) and denotation
                        }
                    }
                    dims.append(value)
                }
                shape = dims
            default: try r.skip(wire, field: field)
            }
        }
        return .tensor(elem: elem, shape: shape)
    }
}
