import StreamScoreContract
import StreamScoreModel

/// Turns decoded feature rows into a model's input matrix, validating counts, names and types.
struct FeatureAssembler {
    let schema: ServedModel
    private(set) var numbers: [Float] = []
    private(set) var strings: [Int: [String]] = [:]
    private(set) var rowCount = 0

    init(schema: ServedModel, capacityRows: Int) {
        self.schema = schema
        numbers.reserveCapacity(capacityRows * schema.featureCount)
        for column in schema.stringColumns { strings[column] = [] }
    }

    /// Parses a record of the common all-numbers shape straight into the matrix, for a model
    /// with only numeric features. Returns where its id's text sits in `value` (offsets from its
    /// start) and its row, or `nil` (appending nothing) when the record needs the full parser:
    /// another shape, or a value or count the model would reject.
    mutating func appendNumeric(_ value: ArraySlice<UInt8>, parser: FeatureRecordParser) -> (id: Range<Int>?, rows: Range<Int>)? {
        guard schema.stringColumns.isEmpty else { return nil }
        let start = numbers.count
        guard let parsed = parser.parseNumericFeatures(value, into: &numbers) else { return nil }
        guard parsed.count == schema.featureCount else {
            numbers.removeSubrange(start...)
            return nil
        }
        rowCount += 1
        return (parsed.id, rowCount - 1..<rowCount)
    }

    /// Validates every row of a record and appends them all, or none; returns their rows.
    @discardableResult
    mutating func append(_ rows: [FeatureRow]) throws(RecordRejection) -> Range<Int> {
        let startNumbers = numbers.count
        let startStrings = strings.mapValues(\.count)
        do {
            for (r, row) in rows.enumerated() {
                try append(row, rowLabel: rows.count > 1 ? "row \(r): " : "")
            }
        } catch {
            numbers.removeSubrange(startNumbers...)
            for (column, count) in startStrings { strings[column]!.removeSubrange(count...) }
            throw error
        }
        rowCount += rows.count
        return rowCount - rows.count..<rowCount
    }

    private mutating func append(_ row: FeatureRow, rowLabel: String) throws(RecordRejection) {
        let width = schema.featureCount
        switch row {
        case .positional(let values):
            guard values.count == width else {
                throw RecordRejection(.wrongFeatureCount,
                                      "\(rowLabel)model \(schema.name) takes \(width) features, got \(values.count)")
            }
            for (i, value) in values.enumerated() { try appendValue(value, column: i, rowLabel: rowLabel) }
        case .named(let named):
            var slots = [FeatureValue?](repeating: nil, count: width)
            for feature in named {
                guard let index = schema.featureIndex[feature.name] else {
                    throw RecordRejection(.unknownFeature,
                                          "\(rowLabel)model \(schema.name) has no feature '\(feature.name)' (features: \(schema.featureNames.joined(separator: ", ")))")
                }
                slots[index] = feature.value
            }
            for i in 0..<width {
                guard let value = slots[i] else {
                    throw RecordRejection(.missingFeature, "\(rowLabel)feature '\(schema.featureNames[i])' is missing")
                }
                try appendValue(value, column: i, rowLabel: rowLabel)
            }
        }
    }

    private mutating func appendValue(_ value: FeatureValue, column: Int, rowLabel: String) throws(RecordRejection) {
        let isString = schema.stringColumns.contains(column)
        switch value {
        case .number(let d):
            if isString {
                throw RecordRejection(.wrongType, "\(rowLabel)feature '\(schema.featureNames[column])' takes a string, got a number")
            }
            let f = Float(d)
            guard f.isFinite else {
                throw RecordRejection(.nonFinite, "\(rowLabel)feature '\(schema.featureNames[column])' is out of range (\(d))")
            }
            numbers.append(f)
        case .missing:
            if isString { strings[column]!.append("") } else { numbers.append(.nan) }
        case .string(let s):
            guard isString else {
                if s == "NaN" || s == "nan" || s.hasSuffix("Infinity") || s == "inf" || s == "-inf" {
                    throw RecordRejection(.nonFinite, "\(rowLabel)feature '\(schema.featureNames[column])' is the string \"\(s)\"; use null for a missing value")
                }
                throw RecordRejection(.wrongType, "\(rowLabel)feature '\(schema.featureNames[column])' takes a number, got a string")
            }
            strings[column]!.append(s)
        case .bool:
            throw RecordRejection(.wrongType, "\(rowLabel)feature '\(schema.featureNames[column])' takes a \(isString ? "string" : "number"), got a boolean")
        case .nonFinite(let token):
            throw RecordRejection(.nonFinite, "\(rowLabel)feature '\(schema.featureNames[column])' is \(token); use null for a missing value")
        }
        if isString { numbers.append(0) }
    }

    /// The assembled matrix.
    func batch() -> FeatureBatch {
        FeatureBatch(rowCount: rowCount, featureCount: schema.featureCount, numbers: numbers, strings: strings)
    }
}
