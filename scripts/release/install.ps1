# Installs `lk.exe` (lk-agent-session) from a GitHub release, after checking the zip against the
# release's SHA256SUMS. Windows PowerShell 5.1 or PowerShell 7.
#
#   irm https://github.com/OWNER/REPO/releases/latest/download/install.ps1 | iex
#
# Settings (environment):
#   LK_VERSION        release to install: 1.2.3, v1.2.3 or latest (default: the release this script came with)
#   LK_INSTALL_DIR    where lk.exe goes (default: %LOCALAPPDATA%\Programs\lk-agent-session)
#   LK_RELEASE_REPO   owner/name of the GitHub repository (default below)
#   LK_DOWNLOAD_BASE  a URL or a local folder holding the release files, instead of GitHub (mirrors, tests)
#   LK_NO_PATH        set to 1 to leave the user's PATH alone

# Everything runs in a script block, so `| iex` leaves the caller's session settings alone.
& {
  $ErrorActionPreference = 'Stop'
  Set-StrictMode -Version 3.0

  # Rewritten by the release build for each release.
  $DefaultVersion = 'latest'
  $DefaultRepo = 'livekit/lk-agent-session'

  $Product = 'lk-agent-session'

  function Get-Setting([string]$Name, [string]$Default) {
    $value = [Environment]::GetEnvironmentVariable($Name)
    if ([string]::IsNullOrEmpty($value)) { return $Default }
    return $value
  }

  $version = Get-Setting 'LK_VERSION' $DefaultVersion
  $repo = Get-Setting 'LK_RELEASE_REPO' $DefaultRepo
  $installDir = Get-Setting 'LK_INSTALL_DIR' (Join-Path $env:LOCALAPPDATA "Programs\$Product")

  # x64 builds only; Windows on Arm runs them under emulation.
  $cpu = $env:PROCESSOR_ARCHITEW6432
  if (-not $cpu) { $cpu = $env:PROCESSOR_ARCHITECTURE }
  if ($cpu -notin @('AMD64', 'ARM64')) { throw "no prebuilt lk for $cpu Windows (x64 and Arm64 only)" }
  $target = 'windows-x64'

  if ($version -eq 'latest') { $releasePath = 'latest/download' }
  elseif ($version.StartsWith('v')) { $releasePath = "download/$version" }
  else { $releasePath = "download/v$version" }
  $base = Get-Setting 'LK_DOWNLOAD_BASE' "https://github.com/$repo/releases/$releasePath"

  # Windows PowerShell 5.1 may default to TLS 1.0, which GitHub refuses.
  if ($PSVersionTable.PSVersion.Major -lt 6) {
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
  }

  function Get-ReleaseFile([string]$Name, [string]$Destination) {
    if ($base -notmatch '^https?://') {
      Copy-Item -LiteralPath (Join-Path $base $Name) -Destination $Destination
    } else {
      # Without the progress bar, Windows PowerShell 5.1 downloads many times faster.
      $previous = $ProgressPreference
      $ProgressPreference = 'SilentlyContinue'
      try { Invoke-WebRequest -UseBasicParsing -Uri "$base/$Name" -OutFile $Destination }
      finally { $ProgressPreference = $previous }
    }
  }

  $tmp = Join-Path ([IO.Path]::GetTempPath()) ("lk-install-" + [Guid]::NewGuid().ToString('N'))
  New-Item -ItemType Directory -Path $tmp | Out-Null
  try {
    $sumsPath = Join-Path $tmp 'SHA256SUMS'
    Get-ReleaseFile 'SHA256SUMS' $sumsPath

    # The zip's name carries the version, so SHA256SUMS (which lists it) is looked up first.
    $pattern = '^([0-9a-f]{64}) [ *](' + [Regex]::Escape($Product) + '-\S+-' + $target + '\.zip)$'
    $match = $null
    foreach ($line in Get-Content -LiteralPath $sumsPath) {
      $m = [Regex]::Match($line.TrimEnd(), $pattern)
      if ($m.Success) { $match = $m; break }
    }
    if (-not $match) { throw "the release has no archive for $target" }
    $expected = $match.Groups[1].Value
    $archive = $match.Groups[2].Value

    Write-Host "Downloading $archive"
    $archivePath = Join-Path $tmp $archive
    Get-ReleaseFile $archive $archivePath
    $actual = (Get-FileHash -LiteralPath $archivePath -Algorithm SHA256).Hash.ToLowerInvariant()
    if ($actual -ne $expected) {
      throw "checksum mismatch for $archive (expected $expected, got $actual); nothing was installed"
    }

    $unpacked = Join-Path $tmp 'unpacked'
    Expand-Archive -LiteralPath $archivePath -DestinationPath $unpacked
    New-Item -ItemType Directory -Force -Path $installDir | Out-Null
    $exe = Join-Path $installDir 'lk.exe'
    # A running lk.exe cannot be overwritten, but it can be renamed out of the way.
    if (Test-Path -LiteralPath $exe) {
      $old = "$exe.old"
      Remove-Item -LiteralPath $old -Force -ErrorAction SilentlyContinue
      Move-Item -LiteralPath $exe -Destination $old -Force
    }
    Copy-Item -LiteralPath (Join-Path $unpacked 'lk.exe') -Destination $exe
    Remove-Item -LiteralPath "$exe.old" -Force -ErrorAction SilentlyContinue

    $installed = & $exe --version
    Write-Host "Installed lk $installed to $exe"

    if ((Get-Setting 'LK_NO_PATH' '') -ne '1') {
      $userPath = [Environment]::GetEnvironmentVariable('Path', 'User')
      $entries = @()
      if ($userPath) { $entries = $userPath.Split(';') | Where-Object { $_ } }
      if ($entries -notcontains $installDir) {
        [Environment]::SetEnvironmentVariable('Path', (($entries + $installDir) -join ';'), 'User')
        $env:Path = "$env:Path;$installDir"
        Write-Host "Added $installDir to your user PATH (open a new terminal to use it)."
      }
    }
  } finally {
    Remove-Item -LiteralPath $tmp -Recurse -Force -ErrorAction SilentlyContinue
  }
}
