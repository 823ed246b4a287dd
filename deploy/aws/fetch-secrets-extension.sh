#!/usr/bin/env bash
# The AWS Parameters and Secrets Lambda Extension for the container image form: a container
# image has no layers, so the layer's content goes into the image (deploy/aws/Dockerfile
# copies target/lambda/secrets-extension/ to /opt, where Lambda would unpack the layer).
#
#   bash deploy/aws/fetch-secrets-extension.sh <the layer's x86_64 ARN for your region>
#
# Needs the AWS CLI, with credentials that may call lambda:GetLayerVersion, curl and unzip.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ $# -ne 1 ] || [[ $1 != arn:aws*:lambda:*:layer:AWS-Parameters-and-Secrets-Lambda-Extension:* ]]; then
  echo "usage: $0 arn:aws:lambda:<region>:<account>:layer:AWS-Parameters-and-Secrets-Lambda-Extension:<version> (the x86_64 ARN in AWS's table: docs/lambda.md)" >&2
  exit 2
fi

location=$(aws lambda get-layer-version-by-arn --arn "$1" --query Content.Location --output text)
mkdir -p target/lambda
curl -fsS "$location" -o target/lambda/secrets-extension.zip
rm -rf target/lambda/secrets-extension
unzip -q target/lambda/secrets-extension.zip -d target/lambda/secrets-extension
echo "fetch-secrets-extension.sh: target/lambda/secrets-extension/ holds $1"
