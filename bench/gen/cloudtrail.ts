/**
 * Deterministic CloudTrail records (the objects inside a delivered file's "Records" array):
 * console sign-ins (Success/Failure, some from an unknown address) and common API calls.
 */
import { pick, seededRandom } from "./auth-log.js";

const ACCOUNT = "123456789012";
const REGIONS = ["us-east-1", "eu-west-1", "ap-northeast-1"];
const KNOWN_IPS = ["203.0.113.10", "203.0.113.11"];
const UNKNOWN_IPS = ["198.51.100.77", "192.0.2.200", "185.220.101.4", "2001:db8::bad"];
const USERS = ["alice", "bob", "ci-deployer", "ops"];
const AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0";

interface ApiCall {
  eventSource: string;
  eventName: string;
  readOnly: boolean;
  requestParameters: Record<string, unknown> | null;
}

const API_CALLS: readonly ApiCall[] = [
  {
    eventSource: "s3.amazonaws.com",
    eventName: "GetObject",
    readOnly: true,
    requestParameters: { bucketName: "app-assets", key: "img/logo.png" },
  },
  {
    eventSource: "s3.amazonaws.com",
    eventName: "PutObject",
    readOnly: false,
    requestParameters: { bucketName: "app-backups", key: "db/2023-11-25.sql.gz" },
  },
  {
    eventSource: "ec2.amazonaws.com",
    eventName: "DescribeInstances",
    readOnly: true,
    requestParameters: { instancesSet: {}, filterSet: {} },
  },
  {
    eventSource: "ec2.amazonaws.com",
    eventName: "AuthorizeSecurityGroupIngress",
    readOnly: false,
    requestParameters: {
      groupId: "sg-0123456789abcdef0",
      ipPermissions: {
        items: [
          { ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } },
        ],
      },
    },
  },
  {
    eventSource: "iam.amazonaws.com",
    eventName: "CreateAccessKey",
    readOnly: false,
    requestParameters: { userName: "ci-deployer" },
  },
  {
    eventSource: "sts.amazonaws.com",
    eventName: "AssumeRole",
    readOnly: true,
    requestParameters: { roleArn: `arn:aws:iam::${ACCOUNT}:role/deploy`, roleSessionName: "ci" },
  },
  {
    eventSource: "kms.amazonaws.com",
    eventName: "Decrypt",
    readOnly: true,
    requestParameters: { encryptionAlgorithm: "SYMMETRIC_DEFAULT" },
  },
  {
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "StopLogging",
    readOnly: false,
    requestParameters: { name: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/main` },
  },
];

function hex(rand: () => number, len: number): string {
  let s = "";
  for (let i = 0; i < len; i++) s += "0123456789abcdef"[Math.floor(rand() * 16)];
  return s;
}

function eventId(rand: () => number): string {
  return `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`;
}

function iamUser(rand: () => number, user: string) {
  return {
    type: "IAMUser",
    principalId: `AIDA${hex(rand, 16).toUpperCase()}`,
    arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
    accountId: ACCOUNT,
    userName: user,
  };
}

function consoleLogin(rand: () => number, base: Record<string, unknown>, user: string) {
  const success = rand() < 0.8;
  const ip = rand() < 0.7 ? pick(rand, KNOWN_IPS) : pick(rand, UNKNOWN_IPS);
  return {
    ...base,
    userIdentity: iamUser(rand, user),
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    awsRegion: "us-east-1",
    sourceIPAddress: ip,
    userAgent: AGENT,
    errorMessage: success ? undefined : "Failed authentication",
    requestParameters: null,
    responseElements: { ConsoleLogin: success ? "Success" : "Failure" },
    additionalEventData: {
      LoginTo: "https://console.aws.amazon.com/console/home",
      MobileVersion: "No",
      MFAUsed: rand() < 0.5 ? "Yes" : "No",
    },
    eventType: "AwsConsoleSignIn",
    managementEvent: true,
    eventCategory: "Management",
  };
}

function apiCall(rand: () => number, base: Record<string, unknown>, user: string) {
  const call = pick(rand, API_CALLS);
  return {
    ...base,
    userIdentity: { ...iamUser(rand, user), accessKeyId: `AKIA${hex(rand, 16).toUpperCase()}` },
    eventSource: call.eventSource,
    eventName: call.eventName,
    awsRegion: pick(rand, REGIONS),
    sourceIPAddress: rand() < 0.9 ? pick(rand, KNOWN_IPS) : pick(rand, UNKNOWN_IPS),
    userAgent: "aws-cli/2.13.0 Python/3.11.4 Linux/6.1.0 exe/x86_64.debian.12",
    requestParameters: call.requestParameters,
    responseElements: null,
    requestID: eventId(rand),
    readOnly: call.readOnly,
    eventType: "AwsApiCall",
    managementEvent: true,
    eventCategory: "Management",
  };
}

/** n records starting 2023-11-25T08:00:00Z, about one in five a ConsoleLogin; same seed, same records. */
export function* cloudTrailRecords(n: number, seed = 1): Generator<Record<string, unknown>> {
  const rand = seededRandom(seed);
  let ms = Date.UTC(2023, 10, 25, 8, 0, 0);
  for (let i = 0; i < n; i++) {
    ms += Math.floor(rand() * 4000);
    const user = pick(rand, USERS);
    const base = {
      eventVersion: "1.08",
      eventTime: new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"),
      eventID: eventId(rand),
      recipientAccountId: ACCOUNT,
    };
    const record = rand() < 0.2 ? consoleLogin(rand, base, user) : apiCall(rand, base, user);
    // JSON.stringify drops undefined members, as CloudTrail omits absent ones.
    yield JSON.parse(JSON.stringify(record));
  }
}
