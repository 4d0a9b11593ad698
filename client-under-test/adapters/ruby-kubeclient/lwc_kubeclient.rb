#!/usr/bin/ruby
# frozen_string_literal: true

# lwc adapter for the kubeclient gem (Debian's ruby-kubeclient): list page by page with
# get_<plural>(limit:, continue:), watch with watch_<plural>(resource_version:), relist on 410,
# answer DUMP from the store.
#
# kubeclient has no informer: its README ("Get all entities of a specific type in chunks",
# "Starting watch version", "All watches come to an end!") gives the pieces and leaves the loop
# to the caller, so the loop below is the one its users write. Requests, query parameters, the
# watch stream and its decoding into Kubeclient::Resource objects are the library's.

require 'json'

OUT_LOCK = Mutex.new
STORE_LOCK = Mutex.new
STORE = {} # [namespace, name] => [uid, resourceVersion]

def emit(msg)
  line = JSON.generate(msg)
  OUT_LOCK.synchronize do
    $stdout.write(line + "\n")
    $stdout.flush
  end
end

def log(level, message)
  emit({ type: 'LOG', level: level, message: message })
end

def key_of(obj)
  md = obj.metadata
  [md.namespace.to_s, md.name.to_s, md.uid.to_s, md.resourceVersion.to_s]
end

# DUMP N: one SNAPSHOT; STOP or end of input: exit 0 at once, whatever the main thread is
# blocked in (a watch read cannot be interrupted from outside without its WatchStream).
def stdin_reader
  Thread.new do
    $stdin.each_line do |raw|
      words = raw.split
      next if words.empty?
      break if words[0] == 'STOP'
      next unless words[0] == 'DUMP' && words.size == 2

      items = STORE_LOCK.synchronize do
        STORE.map { |k, v| { namespace: k[0], name: k[1], uid: v[0], resourceVersion: v[1] } }
      end
      emit({ type: 'SNAPSHOT', seq: words[1].to_i, items: items })
    end
    OUT_LOCK.synchronize { $stdout.flush }
    exit!(0)
  end
end

# Exponential backoff with jitter for the adapter's own retries (kubeclient has none).
class Backoff
  def initialize(first = 0.2, cap = 5.0)
    @first = first
    @cap = cap
    @delay = first
  end

  def reset
    @delay = @first
  end

  def sleep_once
    sleep(@delay * (0.5 + rand / 2))
    @delay = [@cap, @delay * 2].min
  end
end

# The Retry-After of a refused request, in seconds, or nil. kubeclient keeps the response on its
# HttpError (rest-client's for lists, http.rb's for watches) but does not act on it itself.
def retry_after_seconds(err)
  resp = err.respond_to?(:response) ? err.response : nil
  return nil unless resp.respond_to?(:headers)

  headers = resp.headers
  value = headers.is_a?(Hash) ? (headers[:retry_after] || headers['Retry-After']) : headers['Retry-After']
  Float(value.to_s)
rescue ArgumentError, TypeError
  nil
end

# Wait as the server said (Retry-After, capped at 30 s), else by the backoff.
def wait_after(err, backoff)
  seconds = retry_after_seconds(err)
  if seconds
    sleep(seconds.clamp(0, 30))
  else
    backoff.sleep_once
  end
end

# The watch ended with an ERROR notice of this code.
class WatchErrorNotice < StandardError
  attr_reader :code

  def initialize(code, message)
    @code = code
    super("ERROR notice #{code}: #{message}")
  end
end

def make_client(context, api_path)
  base = context.api_endpoint.chomp('/')
  parts = api_path.split('/').reject(&:empty?)
  uri, version =
    if parts == %w[api v1]
      ["#{base}/api", 'v1']
    elsif parts.size == 3 && parts[0] == 'apis'
      ["#{base}/apis/#{parts[1]}", parts[2]]
    else
      abort("lwc-kubeclient: cannot use LWC_API_PATH #{api_path.inspect}")
    end
  Kubeclient::Client.new(uri, version, ssl_options: context.ssl_options,
                                       auth_options: context.auth_options)
end

def main
  $stdout.sync = true
  # STOP must work from the start: loading the gem and its dependencies takes seconds on a loaded
  # machine. DUMP only comes after READY.
  stdin_reader
  require 'kubeclient'
  emit({ type: 'HELLO', protocol: 2, client: "ruby kubeclient #{Kubeclient::VERSION}",
         capabilities: %w[rewatch relist retry] })

  context = Kubeclient::Config.read(ENV.fetch('KUBECONFIG')).context
  api_path = ENV.fetch('LWC_API_PATH', '/api/v1')
  plural = ENV.fetch('LWC_RESOURCE', 'pods')
  namespace = ENV.fetch('LWC_NAMESPACE', '')
  page_size = ENV.fetch('LWC_PAGE_SIZE', '0').to_i
  selector = ENV.fetch('LWC_LABEL_SELECTOR', '')
  client = make_client(context, api_path)

  # get_pods / watch_pods are defined by discovery (GET of the group-version); kubeclient names
  # them from the kind (ConfigMap -> get_config_maps), so for a plural that is not a method name
  # the adapter calls what they call, get_entities / watch_entities. get_entities's first argument
  # is only the label of the EntityList it returns; nil would return a bare Resource instead
  # (common.rb format_response), so it gets the plural (found by lwc-explore: configmaps and
  # crontabs never listed).
  list_call, watch_call, calls =
    if client.respond_to?("get_#{plural}")
      [->(opts) { client.public_send("get_#{plural}", opts) },
       ->(opts) { client.public_send("watch_#{plural}", opts) },
       "get_#{plural}/watch_#{plural}"]
    else
      [->(opts) { client.get_entities(plural, plural, opts) },
       ->(opts) { client.watch_entities(plural, opts) },
       'get_entities/watch_entities']
    end
  log('info', "kubeclient #{Kubeclient::VERSION} from #{Gem.loaded_specs['kubeclient']&.full_gem_path}; #{calls}")
  common = {}
  common[:namespace] = namespace unless namespace.empty?
  common[:label_selector] = selector unless selector.empty?

  backoff = Backoff.new
  ready_sent = false
  rv = nil
  loop do
    if rv.nil?
      begin
        # The README's chunked-list loop ("Get all entities of a specific type in chunks").
        items = []
        continue_token = nil
        loop do
          opts = common.dup
          opts[:limit] = page_size if page_size.positive?
          opts[:continue] = continue_token if continue_token
          page = list_call.call(opts)
          items.concat(page.to_a)
          rv = page.resourceVersion
          continue_token = page.continue
          break if page.last?
        end
      rescue Kubeclient::HttpError => e
        if e.error_code == 410
          emit({ type: 'RESTART', reason: "410 Gone during the list: #{e.message}" })
        else
          log('warn', "list failed: HTTP #{e.error_code} #{e.message}")
        end
        rv = nil
        wait_after(e, backoff)
        next
      rescue StandardError => e
        log('warn', "list failed: #{e.class}: #{e.message}")
        rv = nil
        backoff.sleep_once
        next
      end
      fresh = {}
      items.each do |obj|
        ns, name, uid, orv = key_of(obj)
        fresh[[ns, name]] = [uid, orv]
      end
      STORE_LOCK.synchronize do
        STORE.clear
        STORE.merge!(fresh)
      end
      unless ready_sent
        emit({ type: 'READY' })
        ready_sent = true
      end
      backoff.reset
    end

    begin
      watcher = watch_call.call(common.merge(resource_version: rv))
      seen = false
      watcher.each do |notice|
        seen = true
        case notice.type
        when 'ADDED', 'MODIFIED', 'DELETED'
          ns, name, uid, orv = key_of(notice.object)
          STORE_LOCK.synchronize do
            if notice.type == 'DELETED'
              STORE.delete([ns, name])
            else
              STORE[[ns, name]] = [uid, orv]
            end
          end
          rv = orv unless orv.empty?
          backoff.reset
        when 'ERROR'
          # kubeclient 4.x hands ERROR notices to the block (README, "Watch").
          raise WatchErrorNotice.new(notice.object.code.to_i, notice.object.message.to_s)
        end
      end
      # The stream ended without an error ("All watches come to an end!"): watch again from
      # the last resourceVersion seen; at once after events, with backoff after an empty one.
      log('info', 'watch ended; watching again')
      backoff.sleep_once unless seen
    rescue WatchErrorNotice, Kubeclient::HttpError => e
      code = e.is_a?(WatchErrorNotice) ? e.code : e.error_code
      if code == 410
        emit({ type: 'RESTART', reason: "410 Gone on the watch: #{e.message}" })
        rv = nil
        next
      end
      log('warn', "watch failed: #{e.message}")
      wait_after(e, backoff)
    rescue StandardError => e
      log('warn', "watch failed: #{e.class}: #{e.message}")
      backoff.sleep_once
    end
  end
end

main
