#include "sources/inbound.hpp"

namespace herald {

SourceMapping map_inbound(const SourceConfig& source, const InboundRequest& request) {
    if (source.kind == "github") return map_github(source, request);
    if (source.kind == "gitlab") return map_gitlab(source, request);
    if (source.kind == "cdevents") return map_cdevents(source, request);
    return {SourceMapping::Kind::event, std::string(request.body), {}, {}};
}

}  // namespace herald
