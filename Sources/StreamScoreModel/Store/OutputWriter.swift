/// Formats model outputs as JSON for `predict`:
/// `{"outputs": {"<name>": <nested array>, ...}}` in the given order.
///
/// - Tensors become arrays nested by shape (a rank-0 tensor is a bare value).
/// - Floats use Swift's shortest round-trip form (`Float.description`), e.g. `0.1`, `1e-07`;
///   NaN and the infinities are the strings "NaN", "Infinity" and "-Infinity".
/// - A sequence of maps (ZipMap) becomes an array of objects with string keys, in key order.
public enum OutputWriter {
    /// The JSON document for `outputs`, listing the names in `order` (names missing from
    /// `outputs` are skipped).
    public static func json(outputs: [String: Value], order: [String]) -> String {
        var text = "{\"outputs\": {"
        var first = true
        for name in order {
            guard let value = outputs[name] else { continue }
            if !first { text += ", " }
            first = false
            text += quoted(name) + ": " + json(value)
        }
        text += "}}"
        return text
    }

    /// One value as JSON.
    public static func json(_ value: Value) -> String {
        switch value {
        case .tensor(let tensor): return json(tensor)
        case .mapSequence(let maps):
            let keys: [String] = switch maps.keys {
            case .int64(let k): k.map { quoted(String($0)) }
            case .string(let k): k.map(quoted)
            }
            var rows: [String] = []
            rows.reserveCapacity(maps.rowCount)
            for r in 0..<maps.rowCount {
                let members = keys.indices.map { c in keys[c] + ": " + number(maps.values[r * keys.count + c]) }
                rows.append("{" + members.joined(separator: ", ") + "}")
            }
            return "[" + rows.joined(separator: ", ") + "]"
        }
    }

    /// A tensor as nested JSON arrays.
    public static func json(_ tensor: Tensor) -> String {
        let elements: [String] = switch tensor.data {
        case .float32(let v): v.map(number)
        case .float64(let v): v.map(number)
        case .int64(let v): v.map { String($0) }
        case .int32(let v): v.map { String($0) }
        case .bool(let v): v.map { $0 ? "true" : "false" }
        case .string(let v): v.map(quoted)
        }
        var index = 0
        return nest(elements, shape: tensor.shape[...], index: &index)
    }

    private static func nest(_ elements: [String], shape: ArraySlice<Int>, index: inout Int) -> String {
        guard let length = shape.first else {
            defer { index += 1 }
            return elements[index]
        }
        var parts: [String] = []
        parts.reserveCapacity(length)
        for _ in 0..<length { parts.append(nest(elements, shape: shape.dropFirst(), index: &index)) }
        return "[" + parts.joined(separator: ", ") + "]"
    }

    /// A float in shortest round-trip form, or "NaN"/"Infinity"/"-Infinity" as JSON strings.
    public static func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F) -> String {
        if value.isNaN { return "\"NaN\"" }
        if value.isInfinite { return value < 0 ? "\"-Infinity\"" : "\"Infinity\"" }
        return value.description
    }

    /// A JSON string literal.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
