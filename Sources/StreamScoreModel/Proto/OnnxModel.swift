/// A decoded ONNX model file (`ModelProto`): header fields, opset imports and the main graph.
public struct OnnxModel: Sendable {
    /// `ModelProto.ir_version`.
    public var irVersion: Int64
    /// Imported opset version per domain; the default domain is `""` ("ai.onnx" is normalised to `""`).
    public var opsets: [String: Int]
    /// `ModelProto.producer_name`, e.g. "skl2onnx".
    public var producerName: String
    /// `ModelProto.producer_version`.
    public var producerVersion: String
    /// `ModelProto.graph`.
    public var graph: Graph
    /// `ModelProto.metadata_props` as a dictionary (later duplicates win).
    public var metadata: [String: String]

    public init(irVersion: Int64, opsets: [String: Int], producerName: String, producerVersion: String,
                graph: Graph, metadata: [String: String]) {
        self.irVersion = irVersion
        self.opsets = opsets
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.graph = graph
        self.metadata = metadata
    }

    /// Decodes a serialized `ModelProto`. Throws `ModelError.malformed` for truncated or invalid
    /// bytes, naming the byte offset and the message being decoded.
    public static func decode(_ bytes: [UInt8]) throws(ModelError) -> OnnxModel {
        let result: Result<OnnxModel, ModelError> = bytes.withUnsafeBufferPointer { buffer in
            var reader = ProtoReader(bytes: buffer, path: "ModelProto")
            do throws(ModelError) {
                return .success(try OnnxDecoder.model(&reader))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Normalises an operator-set domain: "ai.onnx" and "" both mean the default domain `""`.
func normalizedDomain(_ domain: String) -> String {
    domain == "ai.onnx" ? "" : domain
}
