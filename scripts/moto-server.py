"""moto's server, with two answers made the way AWS gives them.

IAM authorization refusals: moto wraps them as <ErrorResponse><Errors><Error>, which no AWS SDK
reads (the Go SDK in Terraform's AWS provider reports "UnknownError"); AWS's query APIs answer
<ErrorResponse><Error>, so a refused call says AccessDenied as it would against AWS.

S3 Control's account-level public access block is authorized under the IAM action
names AWS uses. moto checks GetPublicAccessBlock as s3:GetPublicAccessBlock; AWS (and therefore the
AWS-managed SecurityAudit policy a customer's role carries) calls it s3:GetAccountPublicAccessBlock.
Without this, a role deployed exactly as a customer would deploy it could not be scanned locally.

Usage: moto-server.py [moto.server options], e.g. -H 127.0.0.1 -p 5000
"""
from moto.core import exceptions
from moto.s3control.responses import S3ControlResponse
from moto.server import main
from xmltodict import unparse

refuse = exceptions.AccessDeniedError.__init__


def refuse_as_aws_does(self, user_arn, action):
    refuse(self, user_arn, action)
    self.description = unparse({"ErrorResponse": {
        "Error": {"Type": "Sender", "Code": "AccessDenied", "Message": self.message},
        "RequestId": "00000000-0000-0000-0000-000000000000"}}, full_document=True)


exceptions.AccessDeniedError.__init__ = refuse_as_aws_does

# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
IAM_ACTION = {
    "GetPublicAccessBlock": "GetAccountPublicAccessBlock",
    "PutPublicAccessBlock": "PutAccountPublicAccessBlock",
    "DeletePublicAccessBlock": "PutAccountPublicAccessBlock",
}
authorize = S3ControlResponse._authenticate_and_authorize_normal_action


def authorize_as_aws_names(self, resource="*"):
    operation = self._get_action
    # Only the authorization check sees the IAM name; dispatch still uses the operation's name.
    self._get_action = lambda: IAM_ACTION.get(operation(), operation())
    try:
        authorize(self, resource)
    finally:
        del self._get_action


S3ControlResponse._authenticate_and_authorize_normal_action = authorize_as_aws_names

if __name__ == "__main__":
    main()
