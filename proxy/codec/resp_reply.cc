#include "proxy/codec/resp_reply.h"

#include "proxy/codec/resp_encode.h"
#include "proxy/codec/resp_text.h"

namespace vcproxy::codec {
namespace {

constexpr uint64_t kMaxExpected = uint64_t{1} << 62;

bool isAggregate(RespType type) {
  return type == RespType::kArray || type == RespType::kMap || type == RespType::kSet ||
         type == RespType::kAttribute || type == RespType::kPush;
}

bool isBulk(RespType type) {
  return type == RespType::kBulkString || type == RespType::kBulkError || type == RespType::kVerbatim;
}

bool isKnownType(char c) {
  constexpr std::string_view kTypes = "+-:$*_,#(!=%~|>";
  return kTypes.find(c) != std::string_view::npos;
}

// Checks the line of a type that carries no length.
bool isValidLine(RespType type, std::string_view line) {
  int64_t ignored = 0;
  switch (type) {
    case RespType::kInteger: return parseRedisInteger(line, ignored);
    case RespType::kNull: return line.empty();
    case RespType::kBoolean: return line == "t" || line == "f";
    case RespType::kDouble: return !line.empty();
    case RespType::kBigNumber: return !line.empty() && line.find_first_not_of("-0123456789") == line.npos;
    default: return true;  // simple strings and errors: any text
  }
}

// Reads the length of an aggregate or bulk; only `$` and `*` have a null (-1) form.
bool readLength(RespType type, std::string_view line, int64_t& length) {
  if (!parseRedisInteger(line, length)) return false;  // includes the streamed `?`
  if (length == -1) return type == RespType::kBulkString || type == RespType::kArray;
  const int64_t max = isAggregate(type) ? kMaxRespAggregateLength : kMaxRespBulkLength;
  return length >= 0 && length <= max;
}

RespReplyStatus readBulkPayload(std::string_view input, size_t body, RespItem& item, size_t& needed) {
  const size_t length = static_cast<size_t>(item.count);
  item.count = 0;
  if (input.size() - body < length + 2) {
    needed = body + length + 2;
    return RespReplyStatus::kNeedMore;
  }
  if (input[body + length] != '\r' || input[body + length + 1] != '\n') return RespReplyStatus::kInvalid;
  if (item.type == RespType::kVerbatim && (length < 4 || input[body + 3] != ':')) {
    return RespReplyStatus::kInvalid;
  }
  item.data = input.substr(body, length);
  item.size += length + 2;
  return RespReplyStatus::kComplete;
}

// Reads values at `pos` until `expected` is zero, advancing both as it goes; see RespReplyFramer.
RespReplyStatus skipValues(std::string_view input, size_t& pos, uint64_t& expected, size_t& needed) {
  while (expected > 0) {
    RespItem item;
    const RespReplyStatus status = readRespItem(input, pos, item, needed);
    if (status != RespReplyStatus::kComplete) return status;
    pos += item.size;
    if (item.type != RespType::kAttribute) --expected;
    if (item.count > 0) expected += static_cast<uint64_t>(item.count);
    if (expected > kMaxExpected) return RespReplyStatus::kInvalid;
  }
  return RespReplyStatus::kComplete;
}

// Walks one reply depth-first, keeping the path of the current value.
class Rewriter {
 public:
  Rewriter(std::string_view reply, RespRewriteFn fn, void* context, std::string& out)
      : reply_(reply), fn_(fn), context_(context), out_(out), out_start_(out.size()) {}

  RespRewriteResult run() {
    if (!walk()) {
      out_.resize(out_start_);
      return {false, 0};
    }
    if (rewritten_ > 0) out_.append(reply_.substr(copied_));
    return {true, rewritten_};
  }

 private:
  struct Frame {
    uint64_t left;  // elements still to walk
    uint32_t next;  // index of the next element
    RespType type;
  };

  bool walk() {
    size_t pos = 0;
    for (bool done = false; !done;) {
      RespItem item;
      size_t needed = 0;
      if (readRespItem(reply_, pos, item, needed) != RespReplyStatus::kComplete) return false;
      if (item.type == RespType::kAttribute) {
        // Skip the attribute's pairs; the value it annotates takes its place in the walk.
        pos += item.size;
        uint64_t expected = static_cast<uint64_t>(item.count);
        if (skipValues(reply_, pos, expected, needed) != RespReplyStatus::kComplete) return false;
        continue;
      }
      if (isAggregate(item.type) && item.count > 0) {
        if (depth_ == kMaxRespPathDepth) {
          uint64_t expected = 1;
          if (skipValues(reply_, pos, expected, needed) != RespReplyStatus::kComplete) return false;
          done = elementDone();
          continue;
        }
        frames_[depth_++] = {static_cast<uint64_t>(item.count), 0, item.type};
        pos += item.size;
        continue;
      }
      if (item.type == RespType::kBulkString && item.count == 0) visit(pos, item);
      pos += item.size;
      done = elementDone();
    }
    return pos == reply_.size();
  }

  // The current element is complete: step its parent on, closing every aggregate it completes.
  // Returns true when the top-level value is complete.
  bool elementDone() {
    while (depth_ > 0) {
      Frame& frame = frames_[depth_ - 1];
      ++frame.next;
      if (--frame.left > 0) return false;
      --depth_;
    }
    return true;
  }

  void visit(size_t pos, const RespItem& item) {
    std::array<RespPathStep, kMaxRespPathDepth> path;
    for (size_t d = 0; d < depth_; ++d) path[d] = {frames_[d].next, frames_[d].type};
    const std::optional<std::string_view> replacement = fn_(context_, RespPath(path.data(), depth_), item.data);
    if (!replacement) return;
    out_.append(reply_.substr(copied_, pos - copied_));
    appendRespBulkString(*replacement, out_);
    copied_ = pos + item.size;
    ++rewritten_;
  }

  std::string_view reply_;
  RespRewriteFn fn_;
  void* context_;
  std::string& out_;
  size_t out_start_;
  size_t copied_ = 0;  // bytes of the reply already appended to out_
  size_t rewritten_ = 0;
  std::array<Frame, kMaxRespPathDepth> frames_{};
  size_t depth_ = 0;
};

}  // namespace

RespReplyStatus readRespItem(std::string_view input, size_t pos, RespItem& item, size_t& needed) {
  if (pos >= input.size()) return RespReplyStatus::kNeedMore;
  if (!isKnownType(input[pos])) return RespReplyStatus::kInvalid;
  const size_t cr = input.find('\r', pos + 1);
  if (cr == std::string_view::npos || cr + 1 >= input.size()) return RespReplyStatus::kNeedMore;
  if (input[cr + 1] != '\n') return RespReplyStatus::kInvalid;
  item = {};
  item.type = static_cast<RespType>(input[pos]);
  item.size = cr + 2 - pos;
  const std::string_view line = input.substr(pos + 1, cr - pos - 1);
  if (!isAggregate(item.type) && !isBulk(item.type)) {
    if (!isValidLine(item.type, line)) return RespReplyStatus::kInvalid;
    item.data = line;
    return RespReplyStatus::kComplete;
  }
  if (!readLength(item.type, line, item.count)) return RespReplyStatus::kInvalid;
  if (item.type == RespType::kMap || item.type == RespType::kAttribute) item.count *= 2;
  if (isBulk(item.type) && item.count >= 0) return readBulkPayload(input, cr + 2, item, needed);
  return RespReplyStatus::kComplete;
}

RespReplyFrame RespReplyFramer::frame(std::string_view input) {
  size_t needed = 0;
  const RespReplyStatus status = skipValues(input, pos_, expected_, needed);
  if (status == RespReplyStatus::kNeedMore) return {status, 0, needed};
  const size_t size = pos_;
  reset();
  return {status, status == RespReplyStatus::kComplete ? size : 0, 0};
}

void RespReplyFramer::reset() {
  pos_ = 0;
  expected_ = 1;
}

RespReplyFrame frameRespReply(std::string_view input) { return RespReplyFramer().frame(input); }

RespRewriteResult rewriteBulkStrings(std::string_view reply, RespRewriteFn fn, void* context, std::string& out) {
  return Rewriter(reply, fn, context, out).run();
}

}  // namespace vcproxy::codec
