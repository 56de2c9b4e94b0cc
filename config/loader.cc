#include "config/loader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <sstream>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <memory>
#include <system_error>

#include "config/node_reader.h"
#include "config/validate.h"

namespace vcproxy::config {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxFileBytes = 16 * 1024 * 1024;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

// Reads the whole file; on failure returns nullopt and sets `why` from errno.
std::optional<std::string> readWholeFile(const std::string& path, std::string& why) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    why = std::error_code(errno, std::generic_category()).message();
    return std::nullopt;
  }
  std::string text;
  char chunk[kReadChunk];
  size_t got = 0;
  while ((got = std::fread(chunk, 1, sizeof chunk, file.get())) > 0) {
    text.append(chunk, got);
    if (text.size() > kMaxFileBytes) {  // e.g. --config /dev/zero: fail instead of eating memory
      why = "larger than 16 MiB";
      return std::nullopt;
    }
  }
  if (std::ferror(file.get())) {  // e.g. EISDIR: fopen accepts a directory, fread does not
    why = std::error_code(errno, std::generic_category()).message();
    return std::nullopt;
  }
  return text;
}

}  // namespace

std::string Error::toString() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += ": ";
  out += message;
  return out;
}

namespace {

// Walks the stream's documents without building them. yaml-cpp 0.7's LoadAll never returns on
// some malformed streams (a lone ","): its parser reports empty documents for ever without
// reading on (yaml-cpp #1040). A real document takes at least one byte, which bounds the walk.
struct DocumentScan {
  size_t documents = 0;
  YAML::Mark second = YAML::Mark::null_mark();
  bool endless = false;
};

class DocumentMarks final : public YAML::EventHandler {
 public:
  explicit DocumentMarks(DocumentScan& scan) : scan_(scan) {}
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++scan_.documents == 2) scan_.second = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  DocumentScan& scan_;
};

DocumentScan scanDocuments(const std::string& text) {
  DocumentScan scan;
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentMarks marks(scan);
  for (size_t walked = 0; parser.HandleNextDocument(marks);) {
    if (++walked > text.size() + 1) {
      scan.endless = true;
      break;
    }
  }
  return scan;
}

}  // namespace

LoadResult loadString(std::string_view yaml_text, const std::string& file_label) {
  Diagnostics diag(file_label);
  Config config;
  // yaml-cpp reports through exceptions; none may leave this module.
  try {
    const std::string text(yaml_text);
    const DocumentScan scan = scanDocuments(text);
    if (scan.endless) {
      diag.add(YAML::Mark::null_mark(), "invalid YAML: the stream does not parse into documents");
    } else if (YAML::Node doc = YAML::Load(text); doc.IsNull()) {
      diag.add(YAML::Mark::null_mark(),
               "the file holds no settings; expected a map with at least \"listeners\"");
    } else {
      if (scan.documents > 1) {
        diag.add(scan.second, "expected a single YAML document, found another after \"---\"");
      }
      config = buildConfig(doc, diag);
    }
  } catch (const YAML::Exception& e) {
    diag.add(e.mark, "invalid YAML: " + printable(e.msg));
  } catch (const std::exception& e) {
    diag.add(YAML::Mark::null_mark(), std::string("cannot load the config: ") + e.what());
  }
  LoadResult result;
  result.errors = diag.take();
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult loadFile(const std::string& path) {
  std::string why;
  std::optional<std::string> text;
  try {
    text = readWholeFile(path, why);
  } catch (const std::exception& e) {  // bad_alloc on a huge file
    why = e.what();
  }
  if (!text) {
    LoadResult result;
    result.errors.push_back(Error{path, 0, 0, "cannot read the config file: " + why});
    return result;
  }
  return loadString(*text, path);
}

}  // namespace vcproxy::config
