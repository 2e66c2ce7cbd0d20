// A requester's workflow through the AWS SDK for JavaScript v3, against a pytest-mturk server.
// Workers are driven through the server's control API (plain HTTP + JSON), as a test written in
// JavaScript would. Prints one JSON line of results; exits non-zero on any surprise.
//
//   MTURK_ENDPOINT=http://127.0.0.1:PORT node workflow.mjs
import {
  ApproveAssignmentCommand,
  CreateHITCommand,
  GetAccountBalanceCommand,
  GetHITCommand,
  MTurkClient,
  RequestError,
  SendBonusCommand,
  paginateListAssignmentsForHIT,
  paginateListHITs,
} from "@aws-sdk/client-mturk";

const endpoint = process.env.MTURK_ENDPOINT;
const control = new URL("/_pytest_mturk/", endpoint).href;
const client = new MTurkClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIAJAVASCRIPTSDK001", secretAccessKey: "secret" },
});

async function act(path, body) {
  const response = await fetch(control + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

const question =
  '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/' +
  '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.org/task</ExternalURL>' +
  "<FrameHeight>600</FrameHeight></ExternalQuestion>";

const balance = await client.send(new GetAccountBalanceCommand({}));
check(balance.AvailableBalance === "10000.00", "the sandbox balance");

const hitIds = [];
for (let i = 0; i < 3; i++) {
  const { HIT } = await client.send(
    new CreateHITCommand({
      Title: `Label image ${i}`,
      Description: "Cat or dog?",
      Reward: "0.25",
      MaxAssignments: 2,
      LifetimeInSeconds: 3600,
      AssignmentDurationInSeconds: 600,
      Question: question,
    }),
  );
  check(HIT.HITStatus === "Assignable", "a new HIT is Assignable");
  check(HIT.CreationTime instanceof Date, "timestamps parse as dates");
  hitIds.push(HIT.HITId);
}

// Two workers do the first HIT, through the control API.
const alice = (await act("workers", { country: "US" })).worker.worker_id;
const bob = (await act("workers", { country: "GB" })).worker.worker_id;
for (const worker of [alice, bob]) {
  await act("do", { worker_id: worker, hit_id: hitIds[0], answers: { answer: `from ${worker}` } });
}

// Paginators walk every page.
const listed = [];
for await (const page of paginateListHITs({ client, pageSize: 1 }, {})) {
  listed.push(...page.HITs.map((h) => h.HITId));
}
check(JSON.stringify([...listed].sort()) === JSON.stringify([...hitIds].sort()), "ListHITs pages");

const assignments = [];
for await (const page of paginateListAssignmentsForHIT(
  { client, pageSize: 1 },
  { HITId: hitIds[0] },
)) {
  assignments.push(...page.Assignments);
}
check(assignments.length === 2, "two submitted assignments");
check(assignments.every((a) => a.AssignmentStatus === "Submitted"), "Submitted");

for (const a of assignments) {
  await client.send(new SendBonusCommand({
    WorkerId: a.WorkerId, AssignmentId: a.AssignmentId, BonusAmount: "0.10", Reason: "thanks",
  }));
  await client.send(new ApproveAssignmentCommand({ AssignmentId: a.AssignmentId }));
}

// A modelled error arrives as its own class, with its TurkErrorCode.
let error = null;
try {
  await client.send(new GetHITCommand({ HITId: "3NOSUCHHIT" }));
} catch (e) {
  error = e;
}
check(error instanceof RequestError, `GetHIT of an unknown HIT raises RequestError, got ${error}`);

console.log(JSON.stringify({
  hits: hitIds,
  workers: [alice, bob],
  approved: assignments.map((a) => a.AssignmentId),
  error: { name: error.name, turkErrorCode: error.TurkErrorCode, message: error.message },
}));
