#!/usr/bin/env bash
# Downloads the upstream reference data the Core tests validate against (the files described in
# shared/reference/{cilium,flux,talos}/NOTES.md) from their repositories at pinned revisions, and
# verifies each file's SHA-256 (computed from the copies the NOTES describe). The NOTES themselves
# are not upstream files and are not fetched.
#
#   scripts/fetch-reference.sh DIR            download into DIR (e.g. ../shared/reference)
#   scripts/fetch-reference.sh --verify DIR   only check the files already in DIR, no network
#
# Then point the tests at it: CONTROLAPI_REFERENCE_DIR=DIR dotnet test tests/ControlApi.Core.Tests
set -euo pipefail

usage() {
  echo "usage: $0 [--verify] DIR" >&2
  exit 2
}

verify_only=false
if [[ "${1:-}" == "--verify" ]]; then
  verify_only=true
  shift
fi
[[ $# -eq 1 && -n "$1" ]] || usage
dest=$1

raw=https://raw.githubusercontent.com

# Cilium v1.18.2, "Prepare for release v1.18.2" (cilium/NOTES.md).
cilium="$raw/cilium/cilium/5bd307a8f6fbf3489005944ded2ed085fc642cc2"
# Flux controllers at the tags flux/NOTES.md names (commits in the comments).
helm_controller="$raw/fluxcd/helm-controller/v1.6.3"                 # 372c34e2b4a455d24ef6cbb8321c82c4533dbbd8
source_controller="$raw/fluxcd/source-controller/v1.9.1"             # 092bcff3c9c3f258a44310507201d295ff294ba6
kustomize_controller="$raw/fluxcd/kustomize-controller/v1.9.4"       # 1324b615da01038e2859cbcde604bd5434f21933
notification_controller="$raw/fluxcd/notification-controller/v1.9.3" # 0b6fcb118ea64a36d7ca7d29904e4f5075be87bc
# Talos and talhelper tags (talos/NOTES.md).
talos_113="$raw/siderolabs/talos/v1.13.9"        # 3ebd10a7c1bd0f81742bdcd0c3fe56d727db7401
talos_114="$raw/siderolabs/talos/v1.14.0-rc.1"   # 7a84d742b3d53451cbaa1eb91d9b12403e80161c
talhelper="$raw/budimanjojo/talhelper/v3.1.16"   # e3f1e61fd42fe352f9ff56e45d68f4ab8d637689

# sha256  local path  source URL
files=(
  "0c2a7d1d4dd9452cd59a2b956242bef60ac07260eecffbd398ac533b9d308422 cilium/Chart.yaml $cilium/install/kubernetes/cilium/Chart.yaml"
  "43f673a4ce1e142b6e13e58e8cb1264c25db35fb73245c5635655f03dabae427 cilium/agent-openapi.yaml $cilium/api/v1/openapi.yaml"
  "63aaea12b63887aee3621f78badafb33dc3fe55ff2bb78eb276dcb8f634f2cf2 cilium/cilium-configmap.template.yaml $cilium/install/kubernetes/cilium/templates/cilium-configmap.yaml"
  "dd31b33bb8941d6ce564527e4313e93b748d4d3e3a874c48216ccff36a2506f2 cilium/crds/ciliumbgpadvertisements.yaml $cilium/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumbgpadvertisements.yaml"
  "22e596796a84a2819b03a3b0dced4195574587987f02f8bd53346fee78fb0b08 cilium/crds/ciliumbgpclusterconfigs.yaml $cilium/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumbgpclusterconfigs.yaml"
  "ba25e6364cdc85ba31f845feead5201fb0d7a8259157702aff7fa6514eebd3c1 cilium/crds/ciliumbgppeerconfigs.yaml $cilium/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumbgppeerconfigs.yaml"
  "8a4023d56b6c9ed2cc2489a95b04b15b6521449b2012ee6dfeeeebb90b76fa60 cilium/crds/ciliumnodes.yaml $cilium/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnodes.yaml"
  "0fcfedadb047a35b93adea0d5dc3c97a494604f25f1fd48b9b4841ad2fecf906 cilium/health-openapi.yaml $cilium/api/v1/health/openapi.yaml"
  "fb8a6d71787401c4a740c6fec5d3e38157302f75aa5979d2bad3522eae7d1293 cilium/values.schema.json $cilium/install/kubernetes/cilium/values.schema.json"
  "3cc568766d1c6c337551a2c958e19c890c28fb731a22fb440e338781a2c4c136 cilium/values.yaml $cilium/install/kubernetes/cilium/values.yaml"
  "aa8638ac68465ceac1f93a617baf5be833c589c51fd78a7384a4a274c252becc flux/helmreleases.crd.yaml $helm_controller/config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml"
  "97c7759df00946cbb9a75a56457cff9964b2543d2248df859cef21e26b8e2ae6 flux/helmrepositories.crd.yaml $source_controller/config/crd/bases/source.toolkit.fluxcd.io_helmrepositories.yaml"
  "39a5a46c81539c992abc53f9be3e5434cd70d50a10d169b1e8a450e0df1c9d09 flux/gitrepositories.crd.yaml $source_controller/config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml"
  "2655834d468e46a533410d9e2bc3f4e7cbf9b4c922b95652012acb09bfb2545a flux/ocirepositories.crd.yaml $source_controller/config/crd/bases/source.toolkit.fluxcd.io_ocirepositories.yaml"
  "da23ca0e6b4c80d3d26a91583137491e147ef4ef1e2208aece0d0af4ef851974 flux/kustomizations.crd.yaml $kustomize_controller/config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml"
  "2b8f79249b39881bd23c49868f114c44c6e632dfcda451da576adfa16c64226f flux/alerts.crd.yaml $notification_controller/config/crd/bases/notification.toolkit.fluxcd.io_alerts.yaml"
  "243ad33ac88ed965c6cd72b342dc5a93ecf5eefde2e03f4c2ea026b52d872135 flux/providers.crd.yaml $notification_controller/config/crd/bases/notification.toolkit.fluxcd.io_providers.yaml"
  "4c8be1ad7789b78f0727557d01e5f33eef9447a1f4aa9b830a3c1cc8a1508a9b flux/receivers.crd.yaml $notification_controller/config/crd/bases/notification.toolkit.fluxcd.io_receivers.yaml"
  "3729ac38813c92a35d3159444402d9e7955b5b67aa28303969d5e1d1fa9d2d1d talos/config.schema.json $talos_113/pkg/machinery/config/schemas/config.schema.json"
  "9727a9c856e865aa927e122eb93c25019ec09664ad38c91364acca7c369cbb3a talos/config.schema.v1.14.0-rc.1.json $talos_114/pkg/machinery/config/schemas/config.schema.json"
  "4eeeaa862d738e85ff90d014e19c23f7ed74183a7dcd29b643a32b364f3bef0e talos/patches/v1.13.9/cilium-kubeproxy.yaml $talos_113/hack/test/patches/cilium-kubeproxy.yaml"
  "8619e16413187cc384620373b6978a9c22fb754aeb23442cdd1b87ab4e0d554a talos/patches/v1.13.9/cilium-no-kubeproxy.yaml $talos_113/hack/test/patches/cilium-no-kubeproxy.yaml"
  "5ac3e17d8410a524579cabf6f35040f8ff8bbe8e6fea96ab6561c2951b0ad0aa talos/patches/v1.14.0-rc.1/cilium-kubeproxy.yaml $talos_114/hack/test/patches/cilium-kubeproxy.yaml"
  "57e55b886c00265c7784d1b241f7a6f1d8b35586b73b06c68b41d3743f3d4e2e talos/patches/v1.14.0-rc.1/cilium-no-kubeproxy.yaml $talos_114/hack/test/patches/cilium-no-kubeproxy.yaml"
  "5ac529c3f6171b54d2158f44272f38911063d5db5d1022c91c037b79711ced1b talos/talconfig.schema.json $talhelper/pkg/config/schemas/talconfig.json"
  "76703f29fc95ea4906d29ed2335ddf69cbf7b38cd6415b9dc73de664d46dc661 talos/talconfig.example.yaml $talhelper/example/talconfig.yaml"
)

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

download() { # url target
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location --retry 3 --connect-timeout 20 --output "$2" "$1"
  else
    wget --quiet --tries=3 --timeout=20 --output-document="$2" "$1"
  fi
}

failures=0
for entry in "${files[@]}"; do
  read -r expected path url <<<"$entry"
  target="$dest/$path"
  if [[ "$verify_only" == false ]]; then
    mkdir -p "$(dirname "$target")"
    partial="$target.partial"
    if ! download "$url" "$partial"; then
      echo "FAILED  $path: could not download $url" >&2
      rm -f "$partial"
      failures=$((failures + 1))
      continue
    fi
    actual=$(sha256_of "$partial")
    if [[ "$actual" != "$expected" ]]; then
      echo "FAILED  $path: sha256 $actual, expected $expected ($url)" >&2
      rm -f "$partial"
      failures=$((failures + 1))
      continue
    fi
    mv -f "$partial" "$target"
    echo "ok      $path"
  else
    if [[ ! -f "$target" ]]; then
      echo "MISSING $path" >&2
      failures=$((failures + 1))
      continue
    fi
    actual=$(sha256_of "$target")
    if [[ "$actual" != "$expected" ]]; then
      echo "FAILED  $path: sha256 $actual, expected $expected" >&2
      failures=$((failures + 1))
      continue
    fi
    echo "ok      $path"
  fi
done

if [[ $failures -gt 0 ]]; then
  echo "$failures of ${#files[@]} reference files failed." >&2
  exit 1
fi
echo "All ${#files[@]} reference files are in $dest and match their checksums."
