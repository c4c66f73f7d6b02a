package transport

import (
	"context"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// NewGRPCHealth returns an Opener for grpc.health.v1.Health/Check calls over
// cleartext HTTP/2. Each Conn owns one gRPC channel to the URL's host:port,
// connected lazily. A SERVING answer counts as status 200 and NOT_SERVING
// as 503; gRPC error codes map to the HTTP statuses gRPC's own gateway uses,
// except Unavailable, DeadlineExceeded and Canceled, which are transport
// failures. When the call fails without a status, Do says why from what
// happened on the connection: the dial's cause (connect refused, connect
// timeout, connect unreachable, local), a server that answered in HTTP/1
// (protocol: "not gRPC/h2"), or else connect, timeout or canceled.
func NewGRPCHealth(spec Spec) (Opener, error) {
	if err := checkSpec(spec); err != nil {
		return nil, err
	}
	host := spec.URL.Host
	if spec.URL.Port() == "" {
		host = net.JoinHostPort(spec.URL.Hostname(), "80")
	}
	dial := spec.dialer()
	return func() Conn {
		return &grpcConn{target: "passthrough:///" + host, timeout: spec.Timeout, peer: newPeer(dial)}
	}, nil
}

type grpcConn struct {
	target  string
	timeout time.Duration
	peer    *peer
	cc      *grpc.ClientConn
	client  healthpb.HealthClient
	req     healthpb.HealthCheckRequest
}

func (c *grpcConn) Do(ctx context.Context) (int, error) {
	if c.cc == nil {
		cc, err := grpc.NewClient(c.target,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
				return c.peer.Dial(ctx, "tcp", addr)
			}))
		if err != nil {
			return 0, &Error{Kind: KindConnect, Err: err}
		}
		c.cc, c.client = cc, healthpb.NewHealthClient(cc)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.client.Check(ctx, &c.req)
	if err != nil {
		return grpcOutcome(err, c.peer)
	}
	if resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
		return 200, nil
	}
	return 503, nil
}

// grpcOutcome maps a failed call to a status or a classified error.
func grpcOutcome(err error, p *peer) (int, error) {
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.Unavailable:
		return 0, p.explain(err, KindConnect, false)
	case codes.DeadlineExceeded:
		return 0, p.explain(err, KindTimeout, true)
	case codes.Canceled:
		return 0, &Error{Kind: KindCanceled, Err: err}
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return 400, nil
	case codes.Unauthenticated:
		return 401, nil
	case codes.PermissionDenied:
		return 403, nil
	case codes.NotFound:
		return 404, nil
	case codes.AlreadyExists, codes.Aborted:
		return 409, nil
	case codes.ResourceExhausted:
		return 429, nil
	case codes.Unimplemented:
		return 501, nil
	default:
		return 500, nil
	}
}

func (c *grpcConn) Close() error {
	if c.cc == nil {
		return nil
	}
	err := c.cc.Close()
	c.cc = nil
	return err
}
