var tt=globalThis,et=tt.ShadowRoot&&(tt.ShadyCSS===void 0||tt.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,nt=Symbol(),St=new WeakMap,H=class{constructor(t,e,i){if(this._$cssResult$=!0,i!==nt)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(et&&t===void 0){let i=e!==void 0&&e.length===1;i&&(t=St.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),i&&St.set(e,t))}return t}toString(){return this.cssText}},kt=r=>new H(typeof r=="string"?r:r+"",void 0,nt),f=(r,...t)=>{let e=r.length===1?r[0]:t.reduce((i,s,n)=>i+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(s)+r[n+1],r[0]);return new H(e,r,nt)},Et=(r,t)=>{if(et)r.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let i=document.createElement("style"),s=tt.litNonce;s!==void 0&&i.setAttribute("nonce",s),i.textContent=e.cssText,r.appendChild(i)}},ot=et?r=>r:r=>r instanceof CSSStyleSheet?(t=>{let e="";for(let i of t.cssRules)e+=i.cssText;return kt(e)})(r):r;var{is:ee,defineProperty:ie,getOwnPropertyDescriptor:se,getOwnPropertyNames:re,getOwnPropertySymbols:ae,getPrototypeOf:ne}=Object,it=globalThis,At=it.trustedTypes,oe=At?At.emptyScript:"",le=it.reactiveElementPolyfillSupport,R=(r,t)=>r,lt={toAttribute(r,t){switch(t){case Boolean:r=r?oe:null;break;case Object:case Array:r=r==null?r:JSON.stringify(r)}return r},fromAttribute(r,t){let e=r;switch(t){case Boolean:e=r!==null;break;case Number:e=r===null?null:Number(r);break;case Object:case Array:try{e=JSON.parse(r)}catch{e=null}}return e}},Dt=(r,t)=>!ee(r,t),Pt={attribute:!0,type:String,converter:lt,reflect:!1,useDefault:!1,hasChanged:Dt};Symbol.metadata??=Symbol("metadata"),it.litPropertyMetadata??=new WeakMap;var w=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=Pt){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let i=Symbol(),s=this.getPropertyDescriptor(t,i,e);s!==void 0&&ie(this.prototype,t,s)}}static getPropertyDescriptor(t,e,i){let{get:s,set:n}=se(this.prototype,t)??{get(){return this[e]},set(o){this[e]=o}};return{get:s,set(o){let h=s?.call(this);n?.call(this,o),this.requestUpdate(t,h,i)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??Pt}static _$Ei(){if(this.hasOwnProperty(R("elementProperties")))return;let t=ne(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(R("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(R("properties"))){let e=this.properties,i=[...re(e),...ae(e)];for(let s of i)this.createProperty(s,e[s])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[i,s]of e)this.elementProperties.set(i,s)}this._$Eh=new Map;for(let[e,i]of this.elementProperties){let s=this._$Eu(e,i);s!==void 0&&this._$Eh.set(s,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let i=new Set(t.flat(1/0).reverse());for(let s of i)e.unshift(ot(s))}else t!==void 0&&e.push(ot(t));return e}static _$Eu(t,e){let i=e.attribute;return i===!1?void 0:typeof i=="string"?i:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let i of e.keys())this.hasOwnProperty(i)&&(t.set(i,this[i]),delete this[i]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return Et(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,i){this._$AK(t,i)}_$ET(t,e){let i=this.constructor.elementProperties.get(t),s=this.constructor._$Eu(t,i);if(s!==void 0&&i.reflect===!0){let n=(i.converter?.toAttribute!==void 0?i.converter:lt).toAttribute(e,i.type);this._$Em=t,n==null?this.removeAttribute(s):this.setAttribute(s,n),this._$Em=null}}_$AK(t,e){let i=this.constructor,s=i._$Eh.get(t);if(s!==void 0&&this._$Em!==s){let n=i.getPropertyOptions(s),o=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:lt;this._$Em=s;let h=o.fromAttribute(e,n.type);this[s]=h??this._$Ej?.get(s)??h,this._$Em=null}}requestUpdate(t,e,i,s=!1,n){if(t!==void 0){let o=this.constructor;if(s===!1&&(n=this[t]),i??=o.getPropertyOptions(t),!((i.hasChanged??Dt)(n,e)||i.useDefault&&i.reflect&&n===this._$Ej?.get(t)&&!this.hasAttribute(o._$Eu(t,i))))return;this.C(t,e,i)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:i,reflect:s,wrapped:n},o){i&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,o??e??this[t]),n!==!0||o!==void 0)||(this._$AL.has(t)||(this.hasUpdated||i||(e=void 0),this._$AL.set(t,e)),s===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[s,n]of this._$Ep)this[s]=n;this._$Ep=void 0}let i=this.constructor.elementProperties;if(i.size>0)for(let[s,n]of i){let{wrapped:o}=n,h=this[s];o!==!0||this._$AL.has(s)||h===void 0||this.C(s,void 0,n,h)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(i=>i.hostUpdate?.()),this.update(e)):this._$EM()}catch(i){throw t=!1,this._$EM(),i}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};w.elementStyles=[],w.shadowRootOptions={mode:"open"},w[R("elementProperties")]=new Map,w[R("finalized")]=new Map,le?.({ReactiveElement:w}),(it.reactiveElementVersions??=[]).push("2.1.2");var gt=globalThis,zt=r=>r,st=gt.trustedTypes,Ct=st?st.createPolicy("lit-html",{createHTML:r=>r}):void 0,Nt="$lit$",E=`lit$${Math.random().toFixed(9).slice(2)}$`,Ht="?"+E,de=`<${Ht}>`,z=document,O=()=>z.createComment(""),U=r=>r===null||typeof r!="object"&&typeof r!="function",ft=Array.isArray,ce=r=>ft(r)||typeof r?.[Symbol.iterator]=="function",dt=`[ 	
\f\r]`,B=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Mt=/-->/g,Lt=/>/g,P=RegExp(`>|${dt}(?:([^\\s"'>=/]+)(${dt}*=${dt}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),jt=/'/g,Tt=/"/g,Rt=/^(?:script|style|textarea|title)$/i,bt=r=>(t,...e)=>({_$litType$:r,strings:t,values:e}),a=bt(1),T=bt(2),Bt=bt(3),C=Symbol.for("lit-noChange"),l=Symbol.for("lit-nothing"),qt=new WeakMap,D=z.createTreeWalker(z,129);function Ot(r,t){if(!ft(r)||!r.hasOwnProperty("raw"))throw Error("invalid template strings array");return Ct!==void 0?Ct.createHTML(t):t}var he=(r,t)=>{let e=r.length-1,i=[],s,n=t===2?"<svg>":t===3?"<math>":"",o=B;for(let h=0;h<e;h++){let d=r[h],u,g,p=-1,x=0;for(;x<d.length&&(o.lastIndex=x,g=o.exec(d),g!==null);)x=o.lastIndex,o===B?g[1]==="!--"?o=Mt:g[1]!==void 0?o=Lt:g[2]!==void 0?(Rt.test(g[2])&&(s=RegExp("</"+g[2],"g")),o=P):g[3]!==void 0&&(o=P):o===P?g[0]===">"?(o=s??B,p=-1):g[1]===void 0?p=-2:(p=o.lastIndex-g[2].length,u=g[1],o=g[3]===void 0?P:g[3]==='"'?Tt:jt):o===Tt||o===jt?o=P:o===Mt||o===Lt?o=B:(o=P,s=void 0);let k=o===P&&r[h+1].startsWith("/>")?" ":"";n+=o===B?d+de:p>=0?(i.push(u),d.slice(0,p)+Nt+d.slice(p)+E+k):d+E+(p===-2?h:k)}return[Ot(r,n+(r[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),i]},W=class r{constructor({strings:t,_$litType$:e},i){let s;this.parts=[];let n=0,o=0,h=t.length-1,d=this.parts,[u,g]=he(t,e);if(this.el=r.createElement(u,i),D.currentNode=this.el.content,e===2||e===3){let p=this.el.content.firstChild;p.replaceWith(...p.childNodes)}for(;(s=D.nextNode())!==null&&d.length<h;){if(s.nodeType===1){if(s.hasAttributes())for(let p of s.getAttributeNames())if(p.endsWith(Nt)){let x=g[o++],k=s.getAttribute(p).split(E),X=/([.?@])?(.*)/.exec(x);d.push({type:1,index:n,name:X[2],strings:k,ctor:X[1]==="."?ht:X[1]==="?"?ut:X[1]==="@"?pt:j}),s.removeAttribute(p)}else p.startsWith(E)&&(d.push({type:6,index:n}),s.removeAttribute(p));if(Rt.test(s.tagName)){let p=s.textContent.split(E),x=p.length-1;if(x>0){s.textContent=st?st.emptyScript:"";for(let k=0;k<x;k++)s.append(p[k],O()),D.nextNode(),d.push({type:2,index:++n});s.append(p[x],O())}}}else if(s.nodeType===8)if(s.data===Ht)d.push({type:2,index:n});else{let p=-1;for(;(p=s.data.indexOf(E,p+1))!==-1;)d.push({type:7,index:n}),p+=E.length-1}n++}}static createElement(t,e){let i=z.createElement("template");return i.innerHTML=t,i}};function L(r,t,e=r,i){if(t===C)return t;let s=i!==void 0?e._$Co?.[i]:e._$Cl,n=U(t)?void 0:t._$litDirective$;return s?.constructor!==n&&(s?._$AO?.(!1),n===void 0?s=void 0:(s=new n(r),s._$AT(r,e,i)),i!==void 0?(e._$Co??=[])[i]=s:e._$Cl=s),s!==void 0&&(t=L(r,s._$AS(r,t.values),s,i)),t}var ct=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:i}=this._$AD,s=(t?.creationScope??z).importNode(e,!0);D.currentNode=s;let n=D.nextNode(),o=0,h=0,d=i[0];for(;d!==void 0;){if(o===d.index){let u;d.type===2?u=new F(n,n.nextSibling,this,t):d.type===1?u=new d.ctor(n,d.name,d.strings,this,t):d.type===6&&(u=new mt(n,this,t)),this._$AV.push(u),d=i[++h]}o!==d?.index&&(n=D.nextNode(),o++)}return D.currentNode=z,s}p(t){let e=0;for(let i of this._$AV)i!==void 0&&(i.strings!==void 0?(i._$AI(t,i,e),e+=i.strings.length-2):i._$AI(t[e])),e++}},F=class r{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,i,s){this.type=2,this._$AH=l,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=i,this.options=s,this._$Cv=s?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=L(this,t,e),U(t)?t===l||t==null||t===""?(this._$AH!==l&&this._$AR(),this._$AH=l):t!==this._$AH&&t!==C&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):ce(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==l&&U(this._$AH)?this._$AA.nextSibling.data=t:this.T(z.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:i}=t,s=typeof i=="number"?this._$AC(t):(i.el===void 0&&(i.el=W.createElement(Ot(i.h,i.h[0]),this.options)),i);if(this._$AH?._$AD===s)this._$AH.p(e);else{let n=new ct(s,this),o=n.u(this.options);n.p(e),this.T(o),this._$AH=n}}_$AC(t){let e=qt.get(t.strings);return e===void 0&&qt.set(t.strings,e=new W(t)),e}k(t){ft(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,i,s=0;for(let n of t)s===e.length?e.push(i=new r(this.O(O()),this.O(O()),this,this.options)):i=e[s],i._$AI(n),s++;s<e.length&&(this._$AR(i&&i._$AB.nextSibling,s),e.length=s)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let i=zt(t).nextSibling;zt(t).remove(),t=i}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},j=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,i,s,n){this.type=1,this._$AH=l,this._$AN=void 0,this.element=t,this.name=e,this._$AM=s,this.options=n,i.length>2||i[0]!==""||i[1]!==""?(this._$AH=Array(i.length-1).fill(new String),this.strings=i):this._$AH=l}_$AI(t,e=this,i,s){let n=this.strings,o=!1;if(n===void 0)t=L(this,t,e,0),o=!U(t)||t!==this._$AH&&t!==C,o&&(this._$AH=t);else{let h=t,d,u;for(t=n[0],d=0;d<n.length-1;d++)u=L(this,h[i+d],e,d),u===C&&(u=this._$AH[d]),o||=!U(u)||u!==this._$AH[d],u===l?t=l:t!==l&&(t+=(u??"")+n[d+1]),this._$AH[d]=u}o&&!s&&this.j(t)}j(t){t===l?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},ht=class extends j{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===l?void 0:t}},ut=class extends j{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==l)}},pt=class extends j{constructor(t,e,i,s,n){super(t,e,i,s,n),this.type=5}_$AI(t,e=this){if((t=L(this,t,e,0)??l)===C)return;let i=this._$AH,s=t===l&&i!==l||t.capture!==i.capture||t.once!==i.once||t.passive!==i.passive,n=t!==l&&(i===l||s);s&&this.element.removeEventListener(this.name,this,i),n&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},mt=class{constructor(t,e,i){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=i}get _$AU(){return this._$AM._$AU}_$AI(t){L(this,t)}};var ue=gt.litHtmlPolyfillSupport;ue?.(W,F),(gt.litHtmlVersions??=[]).push("3.3.3");var Ut=(r,t,e)=>{let i=e?.renderBefore??t,s=i._$litPart$;if(s===void 0){let n=e?.renderBefore??null;i._$litPart$=s=new F(t.insertBefore(O(),n),n,void 0,e??{})}return s._$AI(r),s};var $t=globalThis,y=class extends w{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Ut(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return C}};y._$litElement$=!0,y.finalized=!0,$t.litElementHydrateSupport?.({LitElement:y});var pe=$t.litElementPolyfillSupport;pe?.({LitElement:y});($t.litElementVersions??=[]).push("4.2.2");var Ft=Symbol.for(""),me=r=>{if(r?.r===Ft)return r?._$litStatic$},It=r=>({_$litStatic$:r,r:Ft});var Wt=new Map,vt=r=>(t,...e)=>{let i=e.length,s,n,o=[],h=[],d,u=0,g=!1;for(;u<i;){for(d=t[u];u<i&&(n=e[u],(s=me(n))!==void 0);)d+=s+t[++u],g=!0;u!==i&&h.push(n),o.push(d),u++}if(u===i&&o.push(t[i]),g){let p=o.join("$$lit$$");(t=Wt.get(p))===void 0&&(o.raw=o,Wt.set(p,t=o)),e=h}return r(t,...e)},Kt=vt(a),He=vt(T),Re=vt(Bt);function Jt(r){return(t,e,i={})=>{let s=(t?.language??"en").split("-")[0];return(r[s]?.[e]??r.en[e]??e).replace(/\{(\w+)\}/g,(o,h)=>String(i[h]??""))}}var Gt={en:{title:"Printernizer",menu:"Menu",view_farm:"Farm",view_jobs:"Jobs",view_files:"Files",view_costs:"Costs",view_stats:"Statistics",read_only:"Read-only",loading:"Loading…",error:"Error: {message}",retry:"Retry",close:"Close",cancel:"Cancel",save:"Save",saved:"Saved",confirm:"Confirm",all:"All",none:"—",yes:"Yes",no:"No","reason.job_finished":"Job finished","reason.job_failed":"Job failed","reason.job_cancelled":"Job cancelled","reason.set_job_category":"Corrected","status.offline":"Offline","status.idle":"Idle","status.preparing":"Preparing","status.printing":"Printing","status.paused":"Paused","status.finished":"Finished","status.failed":"Failed","status.error":"Error","status.cancelled":"Cancelled","category.business":"Business","category.private":"Private",no_printers:"No printer is set up yet. Add one under Settings → Devices & services → Printernizer.",progress:"Progress",remaining:"Remaining",ends:"Ends",job:"Job",nozzle:"Nozzle",bed:"Bed",chamber:"Chamber",layer:"Layer {current} of {total}",today_cost:"Today",job_cost:"Job cost",pause:"Pause",resume:"Resume",stop:"Stop",confirm_pause:"Pause the print on {printer}?",confirm_resume:"Resume the print on {printer}?",confirm_stop:"Stop the print on {printer}? A stopped print cannot be resumed.",period:"Period","period.all":"All time","period.this_month":"This month","period.last_month":"Last month","period.this_year":"This year","period.custom":"Custom",from:"From",to:"To",printer:"Printer",status:"Status",category:"Category",date:"Date",duration:"Duration",material:"Material",gross:"Gross",net:"Net",vat:"VAT",jobs_count:"Jobs",energy:"Energy",machine:"Machine",page:"{first}–{last} of {total}",previous_page:"Previous page",next_page:"Next page",no_jobs:"No jobs in this selection.",job_details:"Job {id}",cost_breakdown:"Cost breakdown",prices_used:"Prices used",revisions:"Revisions",revision:"Revision {revision}",changed:"Changed: {fields}",customer:"Customer",note:"Note",edit:"Correct",started:"Started",ended:"Ended",file:"File",incomplete:"Incomplete record",photo_of:"Photo of {name} as it ended",sort_by:"Sort by {column}","price.material":"{material} per kg","price.from_default":"(default price: not in the table)","price.default_material_price":"Other materials per kg","price.electricity_price":"Electricity per kWh","price.machine_rate":"Machine rate per hour","price.vat_rate":"VAT rate (%)","price.small_business":"Kleinunternehmer (§19 UStG)","price.power_watts":"Power while printing (W)",search:"Search",name:"Name",size:"Size","file.remote":"On the printer","file.downloading":"Downloading","file.downloaded":"Downloaded","file.failed":"Failed","file.local_only":"Local only","file.deleted":"Deleted",download:"Download",no_files:"No files.",cleanup:"Clean up downloads",older_than:"Downloaded more than … days ago",include_business:"Include files of business jobs within the retention period",preview:"Preview",preview_result:"{count} files, {size} would be deleted.",nothing_to_delete:"Nothing would be deleted.",delete_files:"Delete {count} files",confirm_delete:"Delete {count} downloaded files ({size})? Files on the printers stay.",deleted_result:"{count} files deleted, {size} freed.",group_by:"Group by","group.printer":"Printer","group.category":"Category","group.material":"Material","group.month":"Month",totals:"Totals",material_g:"Material",energy_kwh:"Energy",material_cost:"Material cost",chart_title:"{figure} by {group}",export:"Export",format:"Format","format.csv_de":"CSV (German Excel)","format.csv":"CSV","format.json":"JSON",exported:"{rows} jobs exported: {name}",unpriced:"{count} jobs without a price",view_queue:"Queue",queue_printers:"Printers",plate_clear:"Plate clear",plate_not_clear:"Plate not clear",mark_plate_clear:"Plate is clear",mark_plate_clear_of:"Mark the plate of {printer} clear",waiting_for_printer:"{count} waiting",queue_add:"Queue a print",queue_source:"What to print","source.file":"Downloaded file","source.remote":"File on the printer",queue_file:"File",queue_path:"Path on the printer",queue_for:"Printers (whichever is free first)",copies:"Copies",add_to_queue:"Add to queue",queued:"{count} queued",no_queue:"The queue is empty.",no_downloads:"No downloaded files.",position:"Position",attempts:"Attempts",move_up:"Move up",move_down:"Move down",cancel_item:"Cancel",confirm_cancel_item:"Take {name} out of the queue?",remove_from_queue:"Remove from queue","queue.waiting":"Waiting","queue.uploading":"Uploading","queue.starting":"Starting","queue.printing":"Printing","queue.done":"Done","queue.failed":"Failed","queue.cancelled":"Cancelled",queue_rule:"A printer takes the next print only when it is idle and its plate is marked clear; a print's end marks the plate not clear.","period.last_30":"Last 30 days","stats.printers":"Printers","stats.success_rate":"Success rate","stats.utilisation":"Utilisation","stats.print_hours":"Print hours","stats.not_set_up":"not set up","stats.material_by_month":"Material by month","stats.maintenance":"Maintenance","stats.due_count":"{count} due","stats.all_done":"nothing due","stats.hours_of":"{used} of {every} h","stats.jobs_of":"{used} of {every} jobs","stats.due_on":"due {date}","task.plate_cleaning":"Clean the build plate","task.nozzle_check":"Check and clean the nozzle","task.belt_tension":"Check the belt tension","task.rods_lubrication":"Clean and lubricate rods and rails","task.ptfe_tube":"Check the PTFE tube","task.extruder_gears":"Clean the extruder gears"},de:{title:"Printernizer",menu:"Menü",view_farm:"Farm",view_jobs:"Aufträge",view_files:"Dateien",view_costs:"Kosten",view_stats:"Statistik",read_only:"Nur lesen",loading:"Wird geladen …",error:"Fehler: {message}",retry:"Erneut versuchen",close:"Schließen",cancel:"Abbrechen",save:"Speichern",saved:"Gespeichert",confirm:"Bestätigen",all:"Alle",none:"—",yes:"Ja",no:"Nein","reason.job_finished":"Auftrag fertig","reason.job_failed":"Auftrag fehlgeschlagen","reason.job_cancelled":"Auftrag abgebrochen","reason.set_job_category":"Korrigiert","status.offline":"Offline","status.idle":"Bereit","status.preparing":"Vorbereitung","status.printing":"Druckt","status.paused":"Pausiert","status.finished":"Fertig","status.failed":"Fehlgeschlagen","status.error":"Fehler","status.cancelled":"Abgebrochen","category.business":"Geschäftlich","category.private":"Privat",no_printers:"Noch kein Drucker eingerichtet. Füge einen unter Einstellungen → Geräte & Dienste → Printernizer hinzu.",progress:"Fortschritt",remaining:"Verbleibend",ends:"Ende",job:"Auftrag",nozzle:"Düse",bed:"Bett",chamber:"Bauraum",layer:"Schicht {current} von {total}",today_cost:"Heute",job_cost:"Auftragskosten",pause:"Pausieren",resume:"Fortsetzen",stop:"Stoppen",confirm_pause:"Den Druck auf {printer} pausieren?",confirm_resume:"Den Druck auf {printer} fortsetzen?",confirm_stop:"Den Druck auf {printer} stoppen? Ein gestoppter Druck lässt sich nicht fortsetzen.",period:"Zeitraum","period.all":"Gesamter Zeitraum","period.this_month":"Dieser Monat","period.last_month":"Letzter Monat","period.this_year":"Dieses Jahr","period.custom":"Benutzerdefiniert",from:"Von",to:"Bis",printer:"Drucker",status:"Status",category:"Kategorie",date:"Datum",duration:"Dauer",material:"Material",gross:"Brutto",net:"Netto",vat:"USt",jobs_count:"Aufträge",energy:"Energie",machine:"Maschine",page:"{first}–{last} von {total}",previous_page:"Vorherige Seite",next_page:"Nächste Seite",no_jobs:"Keine Aufträge in dieser Auswahl.",job_details:"Auftrag {id}",cost_breakdown:"Kostenaufstellung",prices_used:"Verwendete Preise",revisions:"Revisionen",revision:"Revision {revision}",changed:"Geändert: {fields}",customer:"Kunde",note:"Notiz",edit:"Korrigieren",started:"Beginn",ended:"Ende",file:"Datei",incomplete:"Unvollständiger Eintrag",photo_of:"Foto von {name} zum Ende des Auftrags",sort_by:"Nach {column} sortieren","price.material":"{material} je kg","price.from_default":"(Standardpreis: nicht in der Tabelle)","price.default_material_price":"Andere Materialien je kg","price.electricity_price":"Strom je kWh","price.machine_rate":"Maschinensatz je Stunde","price.vat_rate":"USt-Satz (%)","price.small_business":"Kleinunternehmer (§ 19 UStG)","price.power_watts":"Leistung beim Drucken (W)",search:"Suchen",name:"Name",size:"Größe","file.remote":"Auf dem Drucker","file.downloading":"Wird heruntergeladen","file.downloaded":"Heruntergeladen","file.failed":"Fehlgeschlagen","file.local_only":"Nur lokal","file.deleted":"Gelöscht",download:"Herunterladen",no_files:"Keine Dateien.",cleanup:"Downloads aufräumen",older_than:"Vor mehr als … Tagen heruntergeladen",include_business:"Dateien geschäftlicher Aufträge in der Aufbewahrungsfrist einschließen",preview:"Vorschau",preview_result:"{count} Dateien, {size} würden gelöscht.",nothing_to_delete:"Es würde nichts gelöscht.",delete_files:"{count} Dateien löschen",confirm_delete:"{count} heruntergeladene Dateien ({size}) löschen? Die Dateien auf den Druckern bleiben.",deleted_result:"{count} Dateien gelöscht, {size} frei.",group_by:"Gruppieren nach","group.printer":"Drucker","group.category":"Kategorie","group.material":"Material","group.month":"Monat",totals:"Summen",material_g:"Material",energy_kwh:"Energie",material_cost:"Materialkosten",chart_title:"{figure} nach {group}",export:"Exportieren",format:"Format","format.csv_de":"CSV (deutsches Excel)","format.csv":"CSV","format.json":"JSON",exported:"{rows} Aufträge exportiert: {name}",unpriced:"{count} Aufträge ohne Preis",view_queue:"Warteschlange",queue_printers:"Drucker",plate_clear:"Druckplatte frei",plate_not_clear:"Druckplatte belegt",mark_plate_clear:"Druckplatte ist frei",mark_plate_clear_of:"Druckplatte von {printer} als frei markieren",waiting_for_printer:"{count} wartend",queue_add:"Druck einreihen",queue_source:"Was gedruckt wird","source.file":"Heruntergeladene Datei","source.remote":"Datei auf dem Drucker",queue_file:"Datei",queue_path:"Pfad auf dem Drucker",queue_for:"Drucker (der erste freie)",copies:"Anzahl",add_to_queue:"Einreihen",queued:"{count} eingereiht",no_queue:"Die Warteschlange ist leer.",no_downloads:"Keine heruntergeladenen Dateien.",position:"Position",attempts:"Versuche",move_up:"Nach oben",move_down:"Nach unten",cancel_item:"Abbrechen",confirm_cancel_item:"{name} aus der Warteschlange nehmen?",remove_from_queue:"Aus der Warteschlange nehmen","queue.waiting":"Wartend","queue.uploading":"Wird hochgeladen","queue.starting":"Startet","queue.printing":"Druckt","queue.done":"Erledigt","queue.failed":"Fehlgeschlagen","queue.cancelled":"Abgebrochen",queue_rule:"Ein Drucker nimmt den nächsten Druck nur, wenn er bereit ist und seine Druckplatte als frei markiert ist; das Ende eines Drucks markiert sie als belegt.","period.last_30":"Letzte 30 Tage","stats.printers":"Drucker","stats.success_rate":"Erfolgsquote","stats.utilisation":"Auslastung","stats.print_hours":"Druckstunden","stats.not_set_up":"nicht eingerichtet","stats.material_by_month":"Material je Monat","stats.maintenance":"Wartung","stats.due_count":"{count} fällig","stats.all_done":"nichts fällig","stats.hours_of":"{used} von {every} h","stats.jobs_of":"{used} von {every} Aufträgen","stats.due_on":"fällig am {date}","task.plate_cleaning":"Druckplatte reinigen","task.nozzle_check":"Düse prüfen und reinigen","task.belt_tension":"Riemenspannung prüfen","task.rods_lubrication":"Stangen und Schienen reinigen und schmieren","task.ptfe_tube":"PTFE-Schlauch prüfen","task.extruder_gears":"Extruder-Zahnräder reinigen"}};var M=Jt(Gt);function ge(r,t){let e=t;if(e?.translation_key){let i=r.localize(`component.printernizer.exceptions.${e.translation_key}.message`,e.translation_placeholders??{});if(i)return i}return e?.message??String(t)}var rt=class extends EventTarget{emit(t){this.dispatchEvent(new CustomEvent("live",{detail:t}))}},m=class extends y{constructor(){super();this.loaded=!1;this.onLive=e=>this.handleLive(e.detail);this.narrow=!1,this.readOnly=!0,this.error=null}connectedCallback(){super.connectedCallback(),this.live?.addEventListener("live",this.onLive),this.loaded&&this.run(()=>this.load())}disconnectedCallback(){super.disconnectedCallback(),this.live?.removeEventListener("live",this.onLive)}willUpdate(e){e.has("live")&&(e.get("live")?.removeEventListener("live",this.onLive),this.live?.addEventListener("live",this.onLive)),!this.loaded&&this.hass&&(this.loaded=!0,this.run(()=>this.load()))}async load(){}handleLive(e){}async run(e){try{return await e(),this.error=null,!0}catch(i){return this.error=ge(this.hass,i),!1}}t(e,i){return M(this.hass,e,i)}renderError(){return this.error?a`<div class="error" role="alert">${this.error}</div>`:null}confirm(e,i){let s=document.createElement("printernizer-confirm");return s.text=e,s.confirmLabel=i??this.t("confirm"),s.cancelLabel=this.t("cancel"),this.shadowRoot.appendChild(s),s.ask()}};m.properties={hass:{attribute:!1},narrow:{type:Boolean},readOnly:{type:Boolean},live:{attribute:!1},error:{state:!0}};var I=class extends y{async ask(){return await this.updateComplete,this.shadowRoot.querySelector("dialog").showModal(),new Promise(e=>{this.resolve=e})}close(t){this.shadowRoot.querySelector("dialog").close(),this.resolve?.(t),this.remove()}render(){return a`<dialog @cancel=${t=>{t.preventDefault(),this.close(!1)}}>
      <p>${this.text}</p>
      <div class="actions">
        <button class="secondary" @click=${()=>this.close(!1)}>${this.cancelLabel}</button>
        <button class="primary" autofocus @click=${()=>this.close(!0)}>${this.confirmLabel}</button>
      </div>
    </dialog>`}};I.properties={text:{},confirmLabel:{},cancelLabel:{}},I.styles=[f`
      dialog {
        border: none;
        border-radius: 12px;
        padding: 20px 24px 16px;
        max-width: min(420px, 90vw);
        background: var(--card-background-color, #fff);
        color: var(--primary-text-color, #212121);
        box-shadow: 0 8px 32px rgba(0, 0, 0, 0.35);
      }
      dialog::backdrop {
        background: rgba(0, 0, 0, 0.45);
      }
      p {
        margin: 0 0 20px;
        line-height: 1.5;
      }
    `];customElements.define("printernizer-confirm",I);var b=f`
  :host {
    display: block;
    color: var(--primary-text-color);
    font-family: var(--paper-font-body1_-_font-family, Roboto, sans-serif);
  }
  .error {
    margin: 12px 0;
    padding: 10px 14px;
    border-radius: 8px;
    color: var(--error-color, #db4437);
    background: rgba(219, 68, 55, 0.1);
  }
  .notice {
    margin: 12px 0;
    padding: 10px 14px;
    border-radius: 8px;
    background: var(--secondary-background-color, rgba(127, 127, 127, 0.12));
  }
  button {
    font: inherit;
    font-weight: 500;
    border-radius: 18px;
    padding: 6px 16px;
    min-height: 36px;
    cursor: pointer;
    border: 1px solid var(--primary-color, #03a9f4);
    background: transparent;
    color: var(--primary-color, #03a9f4);
  }
  button.primary {
    background: var(--primary-color, #03a9f4);
    color: var(--text-primary-color, #fff);
  }
  button.danger {
    border-color: var(--error-color, #db4437);
    color: var(--error-color, #db4437);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button:focus-visible,
  select:focus-visible,
  input:focus-visible,
  tr:focus-visible,
  a:focus-visible {
    outline: 2px solid var(--primary-color, #03a9f4);
    outline-offset: 2px;
  }
  .actions {
    display: flex;
    gap: 8px;
    justify-content: flex-end;
    flex-wrap: wrap;
  }
  label.field {
    display: flex;
    flex-direction: column;
    gap: 4px;
    font-size: 0.85em;
    color: var(--secondary-text-color);
  }
  select,
  input[type="text"],
  input[type="date"],
  input[type="number"],
  input[type="search"],
  textarea {
    font: inherit;
    font-size: 1rem;
    color: var(--primary-text-color);
    background: var(--input-fill-color, var(--secondary-background-color, transparent));
    border: 1px solid var(--divider-color, #ccc);
    border-radius: 6px;
    padding: 6px 8px;
    min-height: 36px;
    box-sizing: border-box;
    color-scheme: light dark;
  }
  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 12px;
    align-items: flex-end;
    margin-bottom: 12px;
  }
  .card {
    background: var(--card-background-color, #fff);
    border-radius: var(--ha-card-border-radius, 12px);
    border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
    box-shadow: var(--ha-card-box-shadow, none);
    padding: 16px;
  }
  table {
    width: 100%;
    border-collapse: collapse;
  }
  th,
  td {
    text-align: left;
    padding: 8px 6px;
    border-bottom: 1px solid var(--divider-color, #e0e0e0);
    vertical-align: middle;
  }
  th {
    font-weight: 500;
    color: var(--secondary-text-color);
    font-size: 0.85em;
    white-space: nowrap;
  }
  td.num,
  th.num {
    text-align: right;
    white-space: nowrap;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 2px 10px;
    border-radius: 12px;
    font-size: 0.85em;
    white-space: nowrap;
    background: var(--secondary-background-color, rgba(127, 127, 127, 0.15));
  }
  .chip.ok {
    color: var(--success-color, #43a047);
  }
  .chip.busy {
    color: var(--primary-color, #03a9f4);
  }
  .chip.warn {
    color: var(--warning-color, #ffa600);
  }
  .chip.bad {
    color: var(--error-color, #db4437);
  }
  .muted {
    color: var(--secondary-text-color);
  }
  ha-icon {
    --mdc-icon-size: 18px;
  }
`;function S(r){switch(r){case"printing":case"preparing":case"downloading":return"busy";case"finished":case"downloaded":case"idle":return"ok";case"paused":case"cancelled":case"local_only":return"warn";case"failed":case"error":case"offline":return"bad";default:return""}}function _t(r,t){return r.reduce((e,i)=>e+(t(i)??0),0)}function Vt(r){let{language:t,number_format:e}=r.locale??{language:r.language};switch(e){case"comma_decimal":return"en-US";case"decimal_comma":return"de";case"space_comma":return"fr";case"system":return;default:return t}}function Qt(r){return r.locale?.number_format!=="none"}function fe(r){switch(r.locale?.date_format){case"DMY":return"en-GB";case"MDY":return"en-US";case"YMD":return"sv-SE";case"system":return;default:return r.locale?.language??r.language}}function Yt(r){return r.locale?.time_zone==="server"?r.config.time_zone:void 0}function be(r){let t=r.locale?.time_format;return t==="12"?!0:t==="24"?!1:void 0}function c(r,t,e=0){return t==null||Number.isNaN(t)?"—":new Intl.NumberFormat(Vt(r),{minimumFractionDigits:e,maximumFractionDigits:e,useGrouping:Qt(r)}).format(t)}function v(r,t,e="EUR"){return t==null?"—":e==="mixed"?c(r,t,2):new Intl.NumberFormat(Vt(r),{style:"currency",currency:e,useGrouping:Qt(r)}).format(t)}function Zt(r){return typeof r=="string"?new Date(r):r}function yt(r,t){return t?new Intl.DateTimeFormat(fe(r),{year:"numeric",month:"2-digit",day:"2-digit",timeZone:Yt(r)}).format(Zt(t)):"—"}function xt(r,t){return t?new Intl.DateTimeFormat(r.locale?.language??r.language,{hour:"2-digit",minute:"2-digit",hour12:be(r),timeZone:Yt(r)}).format(Zt(t)):"—"}function A(r,t){return t?`${yt(r,t)} ${xt(r,t)}`:"—"}function wt(r){if(r==null)return"—";let t=Math.round(r/60),e=Math.floor(t/60),i=t%60;return e?`${e} h ${String(i).padStart(2,"0")} min`:`${i} min`}function q(r,t){if(t==null)return"—";let e=["B","KB","MB","GB","TB"],i=t,s=0;for(;i>=1024&&s<e.length-1;)i/=1024,s+=1;return`${c(r,i,s?1:0)} ${e[s]}`}function _(r){let t=e=>String(e).padStart(2,"0");return`${r.getFullYear()}-${t(r.getMonth()+1)}-${t(r.getDate())}`}function N(r,t=new Date){let e=t.getFullYear(),i=t.getMonth();switch(r){case"this_month":return{start:_(new Date(e,i,1)),end:_(new Date(e,i+1,0))};case"last_month":return{start:_(new Date(e,i-1,1)),end:_(new Date(e,i,0))};case"this_year":return{start:_(new Date(e,0,1)),end:_(new Date(e,11,31))};default:return null}}function Xt(r){if(!(!r||r.state==="unknown"||r.state==="unavailable"))return r.attributes.entity_picture}var K=class extends m{constructor(){super(),this.printers=null}async load(){let t=await this.hass.callWS({type:"printernizer/printers"});this.printers=t.printers}handleLive(t){t.kind==="printer"&&this.printers?this.printers=this.printers.map(e=>e.entry_id===t.printer.entry_id?{...t.printer,today_cost:e.today_cost}:e):(t.kind==="printers"||t.kind==="job"&&t.event!=="revised")&&this.run(()=>this.load())}async control(t,e){let i=t.entities[e];if(!i)return;await this.confirm(this.t(`confirm_${e}`,{printer:t.name}),this.t(e))&&await this.run(()=>this.hass.callService("button","press",{entity_id:i}).then(()=>{}))}thumbnail(t){let e=t.entities.thumbnail,i=e?Xt(this.hass.states[e]):void 0;return i?a`<img class="thumb" src=${i} alt="" loading="lazy" />`:a`<div class="thumb placeholder"><ha-icon icon="mdi:printer-3d"></ha-icon></div>`}temperature(t,e){if(t===null)return this.t("none");let i=`${c(this.hass,t,0)} °C`;return e?`${i} / ${c(this.hass,e,0)} °C`:i}tile(t){let e=["printing","preparing","paused"].includes(t.status);return a`<article class="card tile" aria-label=${t.name}>
      <header>
        ${this.thumbnail(t)}
        <div class="title">
          <h2>${t.name}</h2>
          <div class="muted">${t.model??(t.family==="bambu"?"Bambu Lab":"Prusa")}</div>
          <span class="chip ${S(t.status)}">${this.t(`status.${t.status}`)}</span>
        </div>
      </header>
      ${e?a`<div class="job" title=${t.job_name??""}>${t.job_name??this.t("none")}</div>
            <div
              class="bar"
              role="progressbar"
              aria-label=${this.t("progress")}
              aria-valuemin="0"
              aria-valuemax="100"
              aria-valuenow=${Math.round(t.progress??0)}
            >
              <div style="width:${t.progress??0}%"></div>
            </div>
            <dl>
              <dt>${this.t("progress")}</dt>
              <dd>${c(this.hass,t.progress,0)} %</dd>
              <dt>${this.t("remaining")}</dt>
              <dd>${t.remaining_min===null?this.t("none"):`${c(this.hass,t.remaining_min)} min`}</dd>
              <dt>${this.t("ends")}</dt>
              <dd>${xt(this.hass,t.end_time)}</dd>
              <dt>${this.t("job_cost")}</dt>
              <dd>${v(this.hass,t.job_cost)}</dd>
            </dl>`:null}
      <dl>
        <dt>${this.t("nozzle")}</dt>
        <dd>${this.temperature(t.nozzle_temperature,t.nozzle_target_temperature)}</dd>
        <dt>${this.t("bed")}</dt>
        <dd>${this.temperature(t.bed_temperature,t.bed_target_temperature)}</dd>
        ${t.chamber_temperature!==null?a`<dt>${this.t("chamber")}</dt>
              <dd>${this.temperature(t.chamber_temperature,null)}</dd>`:null}
        <dt>${this.t("today_cost")}</dt>
        <dd class="today">${v(this.hass,t.today_cost??0)}</dd>
      </dl>
      ${this.readOnly||!e?null:a`<div class="actions">
            ${t.status==="paused"?a`<button @click=${()=>this.control(t,"resume")}>${this.t("resume")}</button>`:a`<button @click=${()=>this.control(t,"pause")}>${this.t("pause")}</button>`}
            <button class="danger" @click=${()=>this.control(t,"stop")}>${this.t("stop")}</button>
          </div>`}
    </article>`}render(){return this.printers===null?a`${this.renderError()}<p class="muted">${this.t("loading")}</p>`:a`${this.renderError()}
      ${this.printers.length===0?a`<p class="notice">${this.t("no_printers")}</p>`:a`<div class="grid">${this.printers.map(t=>this.tile(t))}</div>`}`}};K.properties={...m.properties,printers:{state:!0}},K.styles=[b,f`
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
        gap: 16px;
      }
      header {
        display: flex;
        gap: 12px;
        align-items: center;
        margin-bottom: 12px;
      }
      .thumb {
        width: 72px;
        height: 72px;
        border-radius: 8px;
        object-fit: contain;
        background: var(--secondary-background-color, rgba(127, 127, 127, 0.1));
        flex: none;
      }
      .placeholder {
        display: flex;
        align-items: center;
        justify-content: center;
        --mdc-icon-size: 36px;
        color: var(--secondary-text-color);
      }
      h2 {
        margin: 0;
        font-size: 1.15em;
        font-weight: 500;
      }
      .title {
        display: flex;
        flex-direction: column;
        gap: 4px;
        align-items: flex-start;
        min-width: 0;
      }
      .job {
        font-weight: 500;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
        margin-bottom: 6px;
      }
      .bar {
        height: 8px;
        border-radius: 4px;
        background: var(--divider-color, #e0e0e0);
        overflow: hidden;
        margin-bottom: 8px;
      }
      .bar > div {
        height: 100%;
        background: var(--primary-color, #03a9f4);
        transition: width 0.5s;
      }
      dl {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 4px 12px;
        margin: 0 0 8px;
      }
      dt {
        color: var(--secondary-text-color);
      }
      dd {
        margin: 0;
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
    `];customElements.define("printernizer-farm",K);var at=50,$e=[{key:"date",order:"started_at",label:"date"},{key:"printer",order:"printer",label:"printer",optional:!0},{key:"job",order:"name",label:"job"},{key:"status",order:"status",label:"status"},{key:"duration",order:"duration",label:"duration",num:!0,optional:!0},{key:"material",order:"material",label:"material",num:!0,optional:!0},{key:"gross",order:"gross",label:"gross",num:!0}],J=class extends m{constructor(){super(),this.jobs=null,this.total=0,this.offset=0,this.orderBy="started_at",this.descending=!0,this.period="all",this.customStart="",this.customEnd="",this.printer="",this.status="",this.category="",this.printers=[],this.detail=null,this.revisions=[],this.photoUrl=null,this.saved=!1}async load(){if(!this.printers.length){let{printers:t}=await this.hass.callWS({type:"printernizer/printers"});this.printers=t}await this.loadPage()}query(){let t={type:"printernizer/jobs",limit:at,offset:this.offset,order_by:this.orderBy,descending:this.descending},e=this.period==="custom"?null:N(this.period);return e&&Object.assign(t,e),this.period==="custom"&&(this.customStart&&(t.start=this.customStart),this.customEnd&&(t.end=this.customEnd)),this.printer&&(t.config_entry_id=this.printer),this.status&&(t.status=this.status),this.category&&(t.category=this.category),t}async loadPage(){let t=await this.hass.callWS(this.query());this.jobs=t.jobs,this.total=t.total}handleLive(t){t.kind==="job"&&["started","finished","failed","cancelled","revised"].includes(t.event)&&(this.run(()=>this.loadPage()),this.detail&&this.detail.job_id===t.job_id&&this.run(()=>this.openJob(t.job_id)))}refilter(t){t(),this.offset=0,this.run(()=>this.loadPage())}sort(t){this.refilter(()=>{this.orderBy===t?this.descending=!this.descending:(this.orderBy=t,this.descending=t==="started_at"||t==="gross"||t==="duration"||t==="material")})}page(t){this.offset=Math.max(0,this.offset+t*at),this.run(()=>this.loadPage())}async openJob(t){let e=await this.hass.callWS({type:"printernizer/job",job_id:t});this.detail?.job_id!==t&&(this.saved=!1),this.photoUrl=e.job.photo?(await this.hass.callWS({type:"auth/sign_path",path:e.job.photo,expires:3600})).path:null,this.detail=e.job,this.revisions=e.revisions,await this.updateComplete;let i=this.shadowRoot.querySelector("dialog.detail");i&&!i.open&&i.showModal()}closeDetail(){this.shadowRoot.querySelector("dialog.detail")?.close(),this.detail=null}async save(t){t.preventDefault();let e=t.target,i=new FormData(e),s=this.detail.job_id,n=await this.run(async()=>{await this.hass.callWS({type:"printernizer/job/update",job_id:s,category:i.get("category"),customer:i.get("customer")??"",note:i.get("note")??""}),await this.openJob(s)});this.saved=n}jobName(t){return t.name??t.file_name??`#${t.job_id}`}materialText(t){return t.material_g===null?this.t("none"):`${c(this.hass,t.material_g,1)} g`}renderFilters(){return a`<div class="filters">
      <label class="field">${this.t("period")}
        <select
          .value=${this.period}
          @change=${t=>this.refilter(()=>this.period=t.target.value)}
        >
          ${["all","this_month","last_month","this_year","custom"].map(t=>a`<option value=${t} ?selected=${this.period===t}>${this.t(`period.${t}`)}</option>`)}
        </select>
      </label>
      ${this.period==="custom"?a`<label class="field">${this.t("from")}
              <input type="date" .value=${this.customStart}
                @change=${t=>this.refilter(()=>this.customStart=t.target.value)} />
            </label>
            <label class="field">${this.t("to")}
              <input type="date" .value=${this.customEnd}
                @change=${t=>this.refilter(()=>this.customEnd=t.target.value)} />
            </label>`:l}
      <label class="field">${this.t("printer")}
        <select @change=${t=>this.refilter(()=>this.printer=t.target.value)}>
          <option value="">${this.t("all")}</option>
          ${this.printers.map(t=>a`<option value=${t.entry_id} ?selected=${this.printer===t.entry_id}>${t.name}</option>`)}
        </select>
      </label>
      <label class="field">${this.t("status")}
        <select @change=${t=>this.refilter(()=>this.status=t.target.value)}>
          <option value="">${this.t("all")}</option>
          ${["finished","failed","cancelled","printing","paused"].map(t=>a`<option value=${t} ?selected=${this.status===t}>${this.t(`status.${t}`)}</option>`)}
        </select>
      </label>
      <label class="field">${this.t("category")}
        <select @change=${t=>this.refilter(()=>this.category=t.target.value)}>
          <option value="">${this.t("all")}</option>
          ${["business","private"].map(t=>a`<option value=${t} ?selected=${this.category===t}>${this.t(`category.${t}`)}</option>`)}
        </select>
      </label>
    </div>`}renderTable(t){return t.length?a`<table>
      <thead>
        <tr>
          ${$e.map(e=>{let i=this.orderBy===e.order;return a`<th
              class="${e.num?"num":""} ${e.optional?"optional":""}"
              aria-sort=${i?this.descending?"descending":"ascending":"none"}
            >
              <button class="sort" aria-label=${this.t("sort_by",{column:this.t(e.label)})} @click=${()=>this.sort(e.order)}>
                ${this.t(e.label)}${i?this.descending?" ↓":" ↑":""}
              </button>
            </th>`})}
        </tr>
      </thead>
      <tbody>
        ${t.map(e=>a`<tr
            tabindex="0"
            data-job=${e.job_id}
            @click=${()=>this.run(()=>this.openJob(e.job_id))}
            @keydown=${i=>{(i.key==="Enter"||i.key===" ")&&(i.preventDefault(),this.run(()=>this.openJob(e.job_id)))}}
          >
            <td>${yt(this.hass,e.started_at)}</td>
            <td class="optional">${e.printer}</td>
            <td class="name">${this.jobName(e)}</td>
            <td><span class="chip ${S(e.status)}">${this.t(`status.${e.status}`)}</span></td>
            <td class="num optional">${wt(e.duration_s)}</td>
            <td class="num optional">${this.materialText(e)}</td>
            <td class="num gross">${v(this.hass,e.gross,e.currency)}</td>
          </tr>`)}
      </tbody>
    </table>
    <div class="pager">
      <span>${this.t("page",{first:c(this.hass,this.offset+1),last:c(this.hass,Math.min(this.offset+at,this.total)),total:c(this.hass,this.total)})}</span>
      <button aria-label=${this.t("previous_page")} ?disabled=${this.offset===0} @click=${()=>this.page(-1)}>‹</button>
      <button aria-label=${this.t("next_page")} ?disabled=${this.offset+at>=this.total} @click=${()=>this.page(1)}>›</button>
    </div>`:a`<p class="notice">${this.t("no_jobs")}</p>`}priceLabel(t,e){if(t.startsWith("material:")){let s=t.slice(9),n=this.t("price.material",{material:s});return e[`price_source:${s}`]==="default"?`${n} ${this.t("price.from_default")}`:n}let i=this.t(`price.${t}`);return i===`price.${t}`?t:i}priceValue(t){if(t==="true"||t==="false")return this.t(t==="true"?"yes":"no");let e=Number(t);if(Number.isNaN(e))return t;let i=t.includes(".")?Math.min(4,t.split(".")[1].length):0;return c(this.hass,e,i)}reasonText(t){if(!t)return"";let e=`reason.${t.replace(/ /g,"_")}`,i=this.t(e);return i===e?t:i}renderDetail(){let t=this.detail;if(!t)return a`<dialog class="detail"></dialog>`;let e=i=>v(this.hass,i,t.currency);return a`<dialog class="detail" aria-labelledby="job-title" @close=${()=>this.detail=null}>
      <h2 id="job-title">${this.t("job_details",{id:t.job_id})}: ${this.jobName(t)}</h2>
      ${this.photoUrl?a`<img class="photo" src=${this.photoUrl} alt=${this.t("photo_of",{name:this.jobName(t)})} />`:l}
      <dl class="facts">
        <dt>${this.t("printer")}</dt><dd>${t.printer}</dd>
        <dt>${this.t("status")}</dt><dd><span class="chip ${S(t.status)}">${this.t(`status.${t.status}`)}</span></dd>
        <dt>${this.t("started")}</dt><dd>${A(this.hass,t.started_at)}</dd>
        <dt>${this.t("ended")}</dt><dd>${A(this.hass,t.ended_at)}</dd>
        <dt>${this.t("duration")}</dt><dd>${wt(t.duration_s)}</dd>
        <dt>${this.t("material")}</dt>
        <dd>${t.materials.length?t.materials.map(i=>`${i.material} ${c(this.hass,i.grams,1)} g`).join(", "):this.t("none")}</dd>
        <dt>${this.t("energy")}</dt>
        <dd>${t.energy_kwh===null?this.t("none"):`${c(this.hass,t.energy_kwh,3)} kWh`}</dd>
        <dt>${this.t("category")}</dt><dd class="category">${this.t(`category.${t.category}`)}</dd>
        ${t.customer?a`<dt>${this.t("customer")}</dt><dd>${t.customer}</dd>`:l}
        ${t.note?a`<dt>${this.t("note")}</dt><dd>${t.note}</dd>`:l}
      </dl>
      ${t.complete?l:a`<p class="notice">${this.t("incomplete")}</p>`}
      <h3>${this.t("cost_breakdown")}</h3>
      <table class="costs">
        <tr><td>${this.t("material")}</td><td class="num">${e(t.material_cost)}</td></tr>
        <tr><td>${this.t("energy")}</td><td class="num">${e(t.energy_cost)}</td></tr>
        <tr><td>${this.t("machine")}</td><td class="num">${e(t.machine_cost)}</td></tr>
        <tr><td>${this.t("net")}</td><td class="num">${e(t.net)}</td></tr>
        <tr><td>${this.t("vat")}</td><td class="num">${e(t.vat)}</td></tr>
        <tr class="total"><td>${this.t("gross")}</td><td class="num detail-gross">${e(t.gross)}</td></tr>
      </table>
      ${Object.keys(t.prices).length?a`<h3>${this.t("prices_used")}</h3>
            <table class="prices">
              ${Object.entries(t.prices).filter(([i])=>!i.startsWith("price_source:")).map(([i,s])=>a`<tr><td>${this.priceLabel(i,t.prices)}</td><td class="num">${this.priceValue(s)}</td></tr>`)}
            </table>`:l}
      <h3>${this.t("revisions")}</h3>
      <ol class="revisions">
        ${this.revisions.map(i=>a`<li>
            <strong>${this.t("revision",{revision:i.revision})}</strong>
            <span class="muted">${A(this.hass,i.revised_at)} · ${this.reasonText(i.reason)}</span>
            ${i.changed_fields.length?a`<div>${this.t("changed",{fields:i.changed_fields.map(s=>this.t(s)).join(", ")})}</div>`:l}
          </li>`)}
      </ol>
      ${this.readOnly||t.ended_at===null?l:a`<h3>${this.t("edit")}</h3>
            <form class="edit" @submit=${this.save}>
              <label class="field">${this.t("category")}
                <select name="category">
                  ${["business","private"].map(i=>a`<option value=${i} ?selected=${t.category===i}>${this.t(`category.${i}`)}</option>`)}
                </select>
              </label>
              <label class="field">${this.t("customer")}
                <input type="text" name="customer" .value=${t.customer??""} />
              </label>
              <label class="field">${this.t("note")}
                <input type="text" name="note" .value=${t.note??""} />
              </label>
              <div class="actions">
                ${this.saved?a`<span class="muted" role="status">${this.t("saved")}</span>`:l}
                <button class="primary" type="submit">${this.t("save")}</button>
              </div>
            </form>`}
      ${this.renderError()}
      <div class="actions close">
        <button @click=${()=>this.closeDetail()}>${this.t("close")}</button>
      </div>
    </dialog>`}render(){return a`${this.renderFilters()} ${this.detail?l:this.renderError()}
      <div class="card">
        ${this.jobs===null?a`<p class="muted">${this.t("loading")}</p>`:this.renderTable(this.jobs)}
      </div>
      ${this.renderDetail()}`}};J.properties={...m.properties,jobs:{state:!0},total:{state:!0},offset:{state:!0},orderBy:{state:!0},descending:{state:!0},period:{state:!0},customStart:{state:!0},customEnd:{state:!0},printer:{state:!0},status:{state:!0},category:{state:!0},printers:{state:!0},detail:{state:!0},revisions:{state:!0},photoUrl:{state:!0},saved:{state:!0}},J.styles=[b,f`
      tbody tr {
        cursor: pointer;
      }
      tbody tr:hover {
        background: var(--secondary-background-color, rgba(127, 127, 127, 0.08));
      }
      td.name {
        max-width: 280px;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      button.sort {
        border: none;
        padding: 0;
        min-height: 0;
        border-radius: 0;
        color: inherit;
        font-weight: 500;
        background: none;
      }
      .pager {
        display: flex;
        align-items: center;
        justify-content: flex-end;
        gap: 8px;
        margin-top: 12px;
      }
      dialog.detail {
        border: none;
        border-radius: 12px;
        padding: 20px 24px;
        width: min(640px, 94vw);
        max-height: 90vh;
        box-sizing: border-box;
        background: var(--card-background-color, #fff);
        color: var(--primary-text-color);
        box-shadow: 0 8px 32px rgba(0, 0, 0, 0.35);
      }
      dialog.detail::backdrop {
        background: rgba(0, 0, 0, 0.45);
      }
      dialog h2 {
        margin: 0 0 12px;
        font-size: 1.2em;
        font-weight: 500;
        overflow-wrap: anywhere;
      }
      dialog h3 {
        margin: 16px 0 6px;
        font-size: 1em;
        font-weight: 500;
      }
      img.photo {
        display: block;
        width: 100%;
        max-height: 40vh;
        object-fit: contain;
        border-radius: 8px;
        margin-bottom: 12px;
        background: var(--secondary-background-color, #eee);
      }
      dl.facts {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 4px 16px;
        margin: 0;
      }
      dl.facts dt {
        color: var(--secondary-text-color);
      }
      dl.facts dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      table.costs tr.total td {
        font-weight: 600;
      }
      ol.revisions {
        margin: 0;
        padding-left: 20px;
      }
      ol.revisions li {
        margin-bottom: 6px;
      }
      ol.revisions .muted {
        margin-left: 6px;
      }
      form.edit {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(160px, 1fr));
        gap: 12px;
        align-items: end;
      }
      form.edit .actions {
        grid-column: 1 / -1;
        align-items: center;
      }
      .actions.close {
        margin-top: 16px;
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
        .card {
          padding: 8px;
        }
        th,
        td {
          padding: 8px 4px;
        }
        td.name {
          max-width: 110px;
        }
        dialog.detail {
          padding: 16px;
        }
      }
    `];customElements.define("printernizer-jobs",J);var te={remote:"mdi:cloud-outline",downloading:"mdi:progress-download",downloaded:"mdi:check-circle-outline",failed:"mdi:alert-circle-outline",local_only:"mdi:harddisk",deleted:"mdi:delete-outline"},G=class extends m{constructor(){super(),this.files=null,this.printers=[],this.printer="",this.status="",this.search="",this.days=30,this.includeBusiness=!1,this.preview=null,this.cleaned=null}async load(){if(!this.printers.length){let{printers:i}=await this.hass.callWS({type:"printernizer/printers"});this.printers=i}let t={type:"printernizer/files"};this.printer&&(t.config_entry_id=this.printer),this.status&&(t.status=this.status),this.search&&(t.name_contains=this.search);let{files:e}=await this.hass.callWS(t);this.files=e}handleLive(t){(t.kind==="files"||t.kind==="printers")&&this.run(()=>this.load())}refilter(t){t(),this.run(()=>this.load())}onSearch(t){window.clearTimeout(this.searchTimer),this.searchTimer=window.setTimeout(()=>this.refilter(()=>this.search=t),300)}async download(t){await this.run(async()=>{let e=await this.hass.callWS({type:"printernizer/files/download",config_entry_id:t.entry_id,file_id:t.file_id});this.files=(this.files??[]).map(i=>i.file_id===t.file_id?{...i,status:e.status}:i)})}async runPreview(){this.cleaned=null,await this.run(async()=>{this.preview=await this.hass.callWS({type:"printernizer/files/cleanup",older_than_days:this.days,include_business:this.includeBusiness,dry_run:!0})})}async runCleanup(){let t=this.preview,e=q(this.hass,_t(t.candidates,s=>s.size));await this.confirm(this.t("confirm_delete",{count:t.candidates.length,size:e}),this.t("delete_files",{count:t.candidates.length}))&&await this.run(async()=>{this.cleaned=await this.hass.callWS({type:"printernizer/files/cleanup",older_than_days:this.days,include_business:this.includeBusiness,dry_run:!1}),this.preview=null,await this.load()})}renderStatus(t){return a`<span class="chip ${S(t.status)}" data-status=${t.status}>
      <ha-icon icon=${te[t.status]??"mdi:file-outline"}></ha-icon>${this.t(`file.${t.status}`)}
    </span>
    ${t.status==="downloading"?a`<div class="indeterminate" role="progressbar" aria-label=${this.t("file.downloading")}><div></div></div>`:l}`}renderFiles(t){return t.length?a`<table>
      <thead>
        <tr>
          <th>${this.t("name")}</th>
          <th class="optional">${this.t("printer")}</th>
          <th class="num optional">${this.t("size")}</th>
          <th>${this.t("status")}</th>
          <th class="optional">${this.t("date")}</th>
          <th><span class="visually-hidden">${this.t("download")}</span></th>
        </tr>
      </thead>
      <tbody>
        ${t.map(e=>a`<tr data-file=${e.file_id}>
            <td class="name" title=${e.remote_path}>${e.name}</td>
            <td class="optional">${e.printer}</td>
            <td class="num optional">${q(this.hass,e.size)}</td>
            <td>${this.renderStatus(e)}</td>
            <td class="optional">${A(this.hass,e.downloaded_at??e.remote_mtime)}</td>
            <td class="num">
              ${["remote","failed"].includes(e.status)&&!this.readOnly?a`<button class="icon" aria-label="${this.t("download")}: ${e.name}" title=${this.t("download")} @click=${()=>this.download(e)}>
                    <ha-icon icon="mdi:download"></ha-icon>
                  </button>`:l}
            </td>
          </tr>`)}
      </tbody>
    </table>`:a`<p class="notice">${this.t("no_files")}</p>`}renderCleanup(){let t=this.preview;return a`<section class="card cleanup" aria-labelledby="cleanup-title">
      <h2 id="cleanup-title">${this.t("cleanup")}</h2>
      <div class="filters">
        <label class="field">${this.t("older_than")}
          <input type="number" min="0" step="1" .value=${String(this.days)}
            @change=${e=>{this.days=Math.max(0,Math.floor(Number(e.target.value)||0)),this.preview=null}} />
        </label>
        <label class="check">
          <input type="checkbox" .checked=${this.includeBusiness}
            @change=${e=>{this.includeBusiness=e.target.checked,this.preview=null}} />
          ${this.t("include_business")}
        </label>
        <button @click=${()=>this.runPreview()}>${this.t("preview")}</button>
      </div>
      ${t?a`<div class="preview" role="status">
            ${t.candidates.length?a`<p>${this.t("preview_result",{count:t.candidates.length,size:q(this.hass,_t(t.candidates,e=>e.size))})}</p>
                  <ul>
                    ${t.candidates.map(e=>a`<li><span class="path">${e.local_path}</span> <span class="muted">${q(this.hass,e.size)}</span></li>`)}
                  </ul>
                  ${this.readOnly?l:a`<div class="actions">
                        <button class="danger" @click=${()=>this.runCleanup()}>
                          ${this.t("delete_files",{count:t.candidates.length})}
                        </button>
                      </div>`}`:a`<p>${this.t("nothing_to_delete")}</p>`}
          </div>`:l}
      ${this.cleaned?a`<p role="status">${this.t("deleted_result",{count:this.cleaned.deleted,size:q(this.hass,this.cleaned.freed_bytes)})}</p>`:l}
    </section>`}render(){return a`<div class="filters">
        <label class="field">${this.t("printer")}
          <select @change=${t=>this.refilter(()=>this.printer=t.target.value)}>
            <option value="">${this.t("all")}</option>
            ${this.printers.map(t=>a`<option value=${t.entry_id}>${t.name}</option>`)}
          </select>
        </label>
        <label class="field">${this.t("status")}
          <select @change=${t=>this.refilter(()=>this.status=t.target.value)}>
            <option value="">${this.t("all")}</option>
            ${Object.keys(te).map(t=>a`<option value=${t}>${this.t(`file.${t}`)}</option>`)}
          </select>
        </label>
        <label class="field">${this.t("search")}
          <input type="search" .value=${this.search} @input=${t=>this.onSearch(t.target.value)} />
        </label>
      </div>
      ${this.renderError()}
      <div class="card">${this.files===null?a`<p class="muted">${this.t("loading")}</p>`:this.renderFiles(this.files)}</div>
      ${this.renderCleanup()}`}};G.properties={...m.properties,files:{state:!0},printers:{state:!0},printer:{state:!0},status:{state:!0},search:{state:!0},days:{state:!0},includeBusiness:{state:!0},preview:{state:!0},cleaned:{state:!0}},G.styles=[b,f`
      td.name {
        max-width: 320px;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .cleanup {
        margin-top: 16px;
      }
      .cleanup h2 {
        margin: 0 0 12px;
        font-size: 1.1em;
        font-weight: 500;
      }
      label.check {
        display: flex;
        gap: 8px;
        align-items: center;
        max-width: 420px;
      }
      .preview ul {
        margin: 0 0 8px;
        padding-left: 20px;
        max-height: 240px;
        overflow: auto;
      }
      .path {
        overflow-wrap: anywhere;
      }
      button.icon {
        border: none;
        padding: 6px;
        min-height: 0;
        border-radius: 50%;
        --mdc-icon-size: 22px;
      }
      .indeterminate {
        position: relative;
        height: 4px;
        margin-top: 4px;
        overflow: hidden;
        border-radius: 2px;
        background: var(--divider-color, #e0e0e0);
      }
      .indeterminate > div {
        position: absolute;
        width: 40%;
        height: 100%;
        background: var(--primary-color, #03a9f4);
        animation: slide 1.2s infinite ease-in-out;
      }
      @keyframes slide {
        from {
          left: -40%;
        }
        to {
          left: 100%;
        }
      }
      .visually-hidden {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip: rect(0 0 0 0);
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
        .card {
          padding: 8px;
        }
        td.name {
          max-width: 150px;
        }
      }
    `];customElements.define("printernizer-files",G);var V=class extends m{constructor(){super();let t=new Date;this.report=null,this.period="this_month",this.customStart=_(new Date(t.getFullYear(),t.getMonth(),1)),this.customEnd=_(t),this.groupBy="printer",this.format="csv_de",this.exported=null}days(){return N(this.period)??{start:this.customStart,end:this.customEnd}}async load(){this.report=await this.hass.callWS({type:"printernizer/report",...this.days(),group_by:this.groupBy})}handleLive(t){t.kind==="job"&&["finished","failed","cancelled","revised"].includes(t.event)&&this.run(()=>this.load())}change(t){t(),this.exported=null,this.run(()=>this.load())}async export(){await this.run(async()=>{let t=await this.hass.callWS({type:"printernizer/export",...this.days(),format:this.format}),e=document.createElement("a");e.href=t.url,e.download=t.name,e.rel="noopener",this.shadowRoot.appendChild(e),e.click(),e.remove(),this.exported=this.t("exported",{rows:t.rows,name:t.name})})}figure(t){return(this.groupBy==="material"?t.material_cost:t.gross)??0}renderChart(t){let e=t.groups;if(!e.length)return l;let i=Math.max(...e.map(o=>this.figure(o)),.01),s=28,n=this.t(this.groupBy==="material"?"material_cost":"gross");return a`<figure class="chart">
      <figcaption>${this.t("chart_title",{figure:n,group:this.t(`group.${this.groupBy}`)})}</figcaption>
      <div class="bars" role="list">
        ${e.map(o=>{let h=this.figure(o);return a`<div class="bar-row" role="listitem">
            <span class="label" title=${o.key}>${this.groupLabel(o.key)}</span>
            <svg viewBox="0 0 100 ${s}" preserveAspectRatio="none" height=${s} aria-hidden="true">
              ${T`<rect x="0" y="0" height=${s} width=${h/i*100} rx="1"></rect>`}
            </svg>
            <span class="value">${v(this.hass,h,t.currency)}</span>
          </div>`})}
      </div>
    </figure>`}groupLabel(t){if(this.groupBy==="category")return this.t(`category.${t}`);if(this.groupBy==="month"&&/^\d{4}-\d{2}$/.test(t)){let[e,i]=t.split("-").map(Number);return new Intl.DateTimeFormat(this.hass.locale?.language??this.hass.language,{month:"long",year:"numeric"}).format(new Date(e,i-1,1))}return t}renderTotals(t){let e=t.totals,i=n=>v(this.hass,n,t.currency),s=[["net",this.t("net"),i(e.net)],["vat",this.t("vat"),i(e.vat)],["gross",this.t("gross"),i(e.gross)],["material_g",this.t("material_g"),`${c(this.hass,e.material_g,1)} g`],["energy_kwh",this.t("energy_kwh"),`${c(this.hass,e.energy_kwh,2)} kWh`],["jobs",this.t("jobs_count"),c(this.hass,e.jobs)]];return a`<div class="totals" aria-label=${this.t("totals")}>
      ${s.map(([n,o,h])=>a`<div class="card total" data-total=${n}>
          <div class="muted">${o}</div>
          <div class="amount">${h}</div>
        </div>`)}
    </div>
    ${e.unpriced_jobs?a`<p class="muted">${this.t("unpriced",{count:e.unpriced_jobs})}</p>`:l}`}renderGroups(t){if(!t.groups.length)return a`<p class="notice">${this.t("no_jobs")}</p>`;let e=this.groupBy==="material",i=s=>v(this.hass,s,t.currency);return a`<table>
      <thead>
        <tr>
          <th>${this.t(`group.${this.groupBy}`)}</th>
          <th class="num">${this.t("jobs_count")}</th>
          <th class="num optional">${this.t("material_g")}</th>
          ${e?a`<th class="num">${this.t("material_cost")}</th>`:a`<th class="num optional">${this.t("net")}</th><th class="num">${this.t("gross")}</th>`}
        </tr>
      </thead>
      <tbody>
        ${t.groups.map(s=>a`<tr>
            <td>${this.groupLabel(s.key)}</td>
            <td class="num">${c(this.hass,s.jobs)}</td>
            <td class="num optional">${c(this.hass,s.material_g,1)} g</td>
            ${e?a`<td class="num">${i(s.material_cost)}</td>`:a`<td class="num optional">${i(s.net)}</td><td class="num">${i(s.gross)}</td>`}
          </tr>`)}
      </tbody>
    </table>`}render(){return a`<div class="filters">
        <label class="field">${this.t("period")}
          <select @change=${t=>this.change(()=>this.period=t.target.value)}>
            ${["this_month","last_month","this_year","custom"].map(t=>a`<option value=${t} ?selected=${this.period===t}>${this.t(`period.${t}`)}</option>`)}
          </select>
        </label>
        ${this.period==="custom"?a`<label class="field">${this.t("from")}
                <input type="date" .value=${this.customStart} @change=${t=>this.change(()=>this.customStart=t.target.value)} />
              </label>
              <label class="field">${this.t("to")}
                <input type="date" .value=${this.customEnd} @change=${t=>this.change(()=>this.customEnd=t.target.value)} />
              </label>`:l}
        <label class="field">${this.t("group_by")}
          <select @change=${t=>this.change(()=>this.groupBy=t.target.value)}>
            ${["printer","category","material","month"].map(t=>a`<option value=${t} ?selected=${this.groupBy===t}>${this.t(`group.${t}`)}</option>`)}
          </select>
        </label>
        ${this.readOnly?l:a`<label class="field">${this.t("format")}
                <select @change=${t=>this.format=t.target.value}>
                  ${["csv_de","csv","json"].map(t=>a`<option value=${t} ?selected=${this.format===t}>${this.t(`format.${t}`)}</option>`)}
                </select>
              </label>
              <button class="primary export" @click=${()=>this.export()}>${this.t("export")}</button>`}
      </div>
      ${this.renderError()}
      ${this.exported?a`<p class="notice" role="status">${this.exported}</p>`:l}
      ${this.report===null?a`<p class="muted">${this.t("loading")}</p>`:a`${this.renderTotals(this.report)}
            <div class="card">${this.renderChart(this.report)} ${this.renderGroups(this.report)}</div>`}`}};V.properties={...m.properties,report:{state:!0},period:{state:!0},customStart:{state:!0},customEnd:{state:!0},groupBy:{state:!0},format:{state:!0},exported:{state:!0}},V.styles=[b,f`
      .totals {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
        gap: 12px;
        margin-bottom: 16px;
      }
      .total .amount {
        font-size: 1.35em;
        font-weight: 500;
        margin-top: 4px;
        font-variant-numeric: tabular-nums;
      }
      figure.chart {
        margin: 0 0 16px;
      }
      figcaption {
        font-weight: 500;
        margin-bottom: 8px;
      }
      .bar-row {
        display: grid;
        grid-template-columns: minmax(80px, 160px) 1fr auto;
        gap: 10px;
        align-items: center;
        margin-bottom: 6px;
      }
      .bar-row .label {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .bar-row svg {
        width: 100%;
        display: block;
      }
      .bar-row rect {
        fill: var(--primary-color, #03a9f4);
      }
      .bar-row .value {
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
        .bar-row {
          grid-template-columns: 80px 1fr auto;
        }
        .card {
          padding: 8px;
        }
      }
    `];customElements.define("printernizer-costs",V);var ve={waiting:"mdi:timer-sand",uploading:"mdi:upload",starting:"mdi:play-circle-outline",printing:"mdi:printer-3d-nozzle",done:"mdi:check-circle-outline",failed:"mdi:alert-circle-outline",cancelled:"mdi:cancel"},_e={waiting:"idle",uploading:"printing",starting:"printing"},Q=class extends m{constructor(){super(),this.queue=null,this.files=[],this.sourceKind="file",this.fileId="",this.path="",this.chosen=[],this.copies=1,this.added=null}async load(){let[t,e]=await Promise.all([this.hass.callWS({type:"printernizer/queue"}),this.hass.callWS({type:"printernizer/files"})]);this.queue=t,this.files=e.files.filter(s=>s.status==="downloaded"||s.status==="local_only");let i=new Set(t.printers.map(s=>s.entry_id));this.chosen=this.chosen.filter(s=>i.has(s))}handleLive(t){(t.kind==="queue"||t.kind==="printers"||t.kind==="files")&&this.run(()=>this.load())}printerName(t){return this.queue?.printers.find(e=>e.entry_id===t)?.name??t}async move(t,e){await this.run(async()=>{await this.hass.callWS({type:"printernizer/queue/move",queue_id:t.queue_id,position:e}),await this.load()})}async cancelItem(t){await this.confirm(this.t("confirm_cancel_item",{name:t.name}),this.t("remove_from_queue"))&&await this.run(async()=>{await this.hass.callWS({type:"printernizer/queue/cancel",queue_id:t.queue_id}),await this.load()})}async clearPlate(t){await this.run(async()=>{await this.hass.callWS({type:"printernizer/queue/plate",config_entry_id:t.entry_id}),await this.load()})}async add(){let t={type:"printernizer/queue/add",config_entry_id:this.chosen,copies:this.copies};this.sourceKind==="file"?t.file_id=Number(this.fileId):t.path=this.path.trim(),await this.run(async()=>{let e=await this.hass.callWS(t);this.added=e.queue_ids.length,await this.load()})}toggle(t,e){this.chosen=e?[...this.chosen.filter(i=>i!==t),t]:this.chosen.filter(i=>i!==t)}renderPrinters(t){return a`<section class="card printers" aria-labelledby="printers-title">
      <h2 id="printers-title">${this.t("queue_printers")}</h2>
      <p class="muted">${this.t("queue_rule")}</p>
      <ul>
        ${t.map(e=>a`<li data-printer=${e.entry_id}>
            <span class="name">${e.name}</span>
            <span class="chip ${e.plate_clear?"ok":"warn"}" data-plate=${e.plate_clear?"clear":"not_clear"}>
              <ha-icon icon=${e.plate_clear?"mdi:checkbox-blank-outline":"mdi:layers-triple"}></ha-icon>
              ${this.t(e.plate_clear?"plate_clear":"plate_not_clear")}
            </span>
            <span class="muted">${this.t("waiting_for_printer",{count:e.queue_length})}</span>
            ${e.plate_clear?l:a`<button class="plate" aria-label=${this.t("mark_plate_clear_of",{printer:e.name})} @click=${()=>this.clearPlate(e)}>
                  ${this.t("mark_plate_clear")}
                </button>`}
          </li>`)}
      </ul>
    </section>`}renderItems(t){if(!t.length)return a`<p class="notice">${this.t("no_queue")}</p>`;let e=t.filter(i=>i.status==="waiting").length;return a`<table>
      <thead>
        <tr>
          <th class="num">${this.t("position")}</th>
          <th>${this.t("name")}</th>
          <th>${this.t("status")}</th>
          <th class="optional">${this.t("printer")}</th>
          <th class="num optional">${this.t("attempts")}</th>
          <th><span class="visually-hidden">${this.t("cancel_item")}</span></th>
        </tr>
      </thead>
      <tbody>
        ${t.map(i=>a`<tr data-queue=${i.queue_id} data-status=${i.status}>
            <td class="num">${i.position??this.t("none")}</td>
            <td class="name" title=${i.path??i.name}>
              ${i.name}
              ${i.not_before?a`<div class="muted">≥ ${A(this.hass,i.not_before)}</div>`:l}
              ${i.error?a`<div class="item-error">${i.error}</div>`:l}
            </td>
            <td>
              <span class="chip ${S(_e[i.status]??i.status)}">
                <ha-icon icon=${ve[i.status]??"mdi:tray"}></ha-icon>${this.t(`queue.${i.status}`)}
              </span>
            </td>
            <td class="optional">
              ${i.config_entry_id?this.printerName(i.config_entry_id):i.printers.map(s=>this.printerName(s)).join(", ")}
            </td>
            <td class="num optional">${i.attempts}</td>
            <td class="num actions-cell">
              ${i.status==="waiting"?a`<button class="icon" aria-label="${this.t("move_up")}: ${i.name}" title=${this.t("move_up")}
                      ?disabled=${i.position===1} @click=${()=>this.move(i,(i.position??1)-1)}>
                      <ha-icon icon="mdi:arrow-up"></ha-icon>
                    </button>
                    <button class="icon" aria-label="${this.t("move_down")}: ${i.name}" title=${this.t("move_down")}
                      ?disabled=${i.position===e} @click=${()=>this.move(i,(i.position??1)+1)}>
                      <ha-icon icon="mdi:arrow-down"></ha-icon>
                    </button>`:l}
              ${i.status==="waiting"||i.status==="failed"?a`<button class="icon cancel" aria-label="${this.t("cancel_item")}: ${i.name}" title=${this.t("cancel_item")} @click=${()=>this.cancelItem(i)}>
                    <ha-icon icon="mdi:close"></ha-icon>
                  </button>`:l}
            </td>
          </tr>`)}
      </tbody>
    </table>`}renderForm(t){let e=this.chosen.length>0&&this.copies>=1&&(this.sourceKind==="file"?this.fileId!=="":this.path.trim()!=="");return a`<section class="card add" aria-labelledby="add-title">
      <h2 id="add-title">${this.t("queue_add")}</h2>
      <div class="filters">
        <label class="field">${this.t("queue_source")}
          <select class="source-kind" @change=${i=>this.sourceKind=i.target.value}>
            <option value="file" ?selected=${this.sourceKind==="file"}>${this.t("source.file")}</option>
            <option value="remote" ?selected=${this.sourceKind==="remote"}>${this.t("source.remote")}</option>
          </select>
        </label>
        ${this.sourceKind==="file"?a`<label class="field">${this.t("queue_file")}
              <select class="file" @change=${i=>this.fileId=i.target.value}>
                <option value="" ?selected=${this.fileId===""}>${this.files.length?"":this.t("no_downloads")}</option>
                ${this.files.map(i=>a`<option value=${String(i.file_id)} ?selected=${this.fileId===String(i.file_id)}>${i.name} (${i.printer})</option>`)}
              </select>
            </label>`:a`<label class="field">${this.t("queue_path")}
              <input class="path" type="text" placeholder="/usb/part.bgcode" .value=${this.path}
                @input=${i=>this.path=i.target.value} />
            </label>`}
        <label class="field">${this.t("copies")}
          <input class="copies" type="number" min="1" max="100" step="1" .value=${String(this.copies)}
            @change=${i=>this.copies=Math.max(1,Math.floor(Number(i.target.value)||1))} />
        </label>
      </div>
      <fieldset>
        <legend>${this.t("queue_for")}</legend>
        ${t.map(i=>a`<label class="check">
            <input type="checkbox" data-printer=${i.entry_id} .checked=${this.chosen.includes(i.entry_id)}
              @change=${s=>this.toggle(i.entry_id,s.target.checked)} />
            ${i.name}
          </label>`)}
      </fieldset>
      <div class="actions">
        ${this.added!==null?a`<span role="status" class="muted">${this.t("queued",{count:this.added})}</span>`:l}
        <button class="primary add-button" ?disabled=${!e} @click=${()=>this.add()}>${this.t("add_to_queue")}</button>
      </div>
    </section>`}render(){let t=this.queue;return a`${this.renderError()}
      ${t===null?a`<div class="card"><p class="muted">${this.t("loading")}</p></div>`:a`${this.renderPrinters(t.printers)}
            <div class="card items">${this.renderItems(t.items)}</div>
            ${this.renderForm(t.printers)}`}`}};Q.properties={...m.properties,queue:{state:!0},files:{state:!0},sourceKind:{state:!0},fileId:{state:!0},path:{state:!0},chosen:{state:!0},copies:{state:!0},added:{state:!0}},Q.styles=[b,f`
      section.card,
      .items {
        margin-bottom: 16px;
      }
      h2 {
        margin: 0 0 12px;
        font-size: 1.1em;
        font-weight: 500;
      }
      .printers ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .printers li {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 12px;
        padding: 6px 0;
        border-bottom: 1px solid var(--divider-color);
      }
      .printers li .name {
        font-weight: 500;
        min-width: 140px;
      }
      td.name {
        max-width: 320px;
        overflow-wrap: anywhere;
      }
      .item-error {
        color: var(--error-color, #db4437);
        font-size: 0.9em;
      }
      .actions-cell {
        white-space: nowrap;
      }
      button.icon {
        border: none;
        padding: 6px;
        min-height: 0;
        border-radius: 50%;
        --mdc-icon-size: 22px;
      }
      fieldset {
        border: 1px solid var(--divider-color);
        border-radius: 8px;
        margin: 12px 0;
      }
      label.check {
        display: inline-flex;
        gap: 6px;
        align-items: center;
        margin-right: 16px;
      }
      .visually-hidden {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip: rect(0 0 0 0);
      }
      label.field,
      select.file {
        max-width: 100%;
        min-width: 0;
      }
      @media (max-width: 600px) {
        select.file {
          width: 100%;
        }
        .optional {
          display: none;
        }
      }
    `];customElements.define("printernizer-queue",Q);var Y=class extends m{constructor(){super(),this.stats=null,this.months=null,this.maintenance=null,this.period="last_30"}async load(){let t=this.period==="last_30"?{}:N(this.period),e=new Date,[i,s,n]=await Promise.all([this.hass.callWS({type:"printernizer/stats",...t}),this.hass.callWS({type:"printernizer/material_usage",group_by:"month",start:_(new Date(e.getFullYear(),e.getMonth()-11,1)),end:_(e)}),this.hass.callWS({type:"printernizer/maintenance"})]);this.stats=i,this.months=s,this.maintenance=n}handleLive(t){(t.kind==="printers"||t.kind==="job"&&["finished","failed","cancelled","revised"].includes(t.event))&&this.run(()=>this.load())}percent(t){return t===null?this.t("none"):`${c(this.hass,t,1)} %`}renderPrinters(t){return t.printers.length?a`<table class="printers">
      <thead>
        <tr>
          <th>${this.t("printer")}</th>
          <th class="num">${this.t("jobs_count")}</th>
          <th>${this.t("stats.success_rate")}</th>
          <th>${this.t("stats.utilisation")}</th>
          <th class="num optional">${this.t("stats.print_hours")}</th>
          <th class="num optional">${this.t("material_g")}</th>
          <th class="num optional">${this.t("gross")}</th>
        </tr>
      </thead>
      <tbody>
        ${t.printers.map(e=>this.renderPrinter(e))}
      </tbody>
    </table>`:a`<p class="notice">${this.t("no_printers")}</p>`}renderPrinter(t){let e=Object.values(t.material_g).reduce((s,n)=>s+n,0),i=s=>a`<span class="meter" aria-hidden="true"><span style="width:${Math.min(s??0,100)}%"></span></span>`;return a`<tr data-printer=${t.config_entry_id??t.name}>
      <td>${t.name}${t.config_entry_id?l:a` <span class="chip">${this.t("stats.not_set_up")}</span>`}</td>
      <td class="num jobs">${c(this.hass,t.jobs)}</td>
      <td class="rate"><span class="success">${this.percent(t.success_rate)}</span>${i(t.success_rate)}</td>
      <td class="rate"><span class="utilisation">${this.percent(t.utilisation)}</span>${i(t.utilisation)}</td>
      <td class="num optional hours">${c(this.hass,t.print_hours,2)} h</td>
      <td class="num optional">${c(this.hass,e,1)} g</td>
      <td class="num optional">${v(this.hass,t.gross)}</td>
    </tr>`}monthLabel(t){let[e,i]=t.split("-").map(Number);return new Intl.DateTimeFormat(this.hass.locale?.language??this.hass.language,{month:"short",year:"2-digit"}).format(new Date(e,i-1,1))}renderMonths(t){if(!t.groups.length)return a`<p class="muted">${this.t("no_jobs")}</p>`;let e=Math.max(...t.groups.map(s=>s.material_g),1),i=120;return a`<div class="months" role="list">
      ${t.groups.map(s=>{let n=s.material_g/e*i;return a`<div class="month" role="listitem" data-month=${s.key}
          title=${`${this.monthLabel(s.key)}: ${c(this.hass,s.material_g,1)} g, ${v(this.hass,s.material_cost,t.currency)}`}>
          <span class="grams">${c(this.hass,s.material_g,0)} g</span>
          <svg viewBox="0 0 20 ${i}" preserveAspectRatio="none" height=${i} aria-hidden="true">
            ${T`<rect x="2" y=${i-n} width="16" height=${n} rx="1"></rect>`}
          </svg>
          <span class="label">${this.monthLabel(s.key)}</span>
        </div>`})}
    </div>`}renderMaintenance(t){return t.printers.length?a`<div class="maintenance">
      ${t.printers.map(e=>a`<section class="card printer-tasks" data-entry=${e.config_entry_id}>
          <h3>${e.name} <span class="chip ${e.due?"due":""}">${e.due?this.t("stats.due_count",{count:e.due}):this.t("stats.all_done")}</span></h3>
          <ul>
            ${e.tasks.map(i=>a`<li class=${i.due?"due":""} data-task=${i.task}>
                <ha-icon icon=${i.due?"mdi:wrench-clock":"mdi:check-circle-outline"}></ha-icon>
                <span class="task-name">${this.taskName(i)}</span>
                <span class="muted">${this.taskProgress(i)}</span>
              </li>`)}
          </ul>
        </section>`)}
    </div>`:a`<p class="notice">${this.t("no_printers")}</p>`}taskName(t){let e=`task.${t.task}`,i=this.t(e);return i===e?t.name:i}taskProgress(t){let e=[];return t.interval_hours!==null&&e.push(this.t("stats.hours_of",{used:c(this.hass,t.print_hours,1),every:c(this.hass,t.interval_hours,0)})),t.interval_jobs!==null&&e.push(this.t("stats.jobs_of",{used:t.jobs,every:t.interval_jobs})),t.due_date&&e.push(this.t("stats.due_on",{date:new Date(t.due_date).toLocaleDateString(this.hass.locale?.language??this.hass.language)})),e.join(" · ")}render(){return a`<div class="filters">
        <label class="field">${this.t("period")}
          <select @change=${t=>{this.period=t.target.value,this.run(()=>this.load())}}>
            ${["last_30","this_month","last_month","this_year"].map(t=>a`<option value=${t} ?selected=${this.period===t}>${this.t(`period.${t}`)}</option>`)}
          </select>
        </label>
      </div>
      ${this.renderError()}
      ${this.stats===null?a`<p class="muted">${this.t("loading")}</p>`:a`<div class="card">
              <h2>${this.t("stats.printers")}</h2>
              ${this.renderPrinters(this.stats)}
            </div>
            ${this.months?a`<div class="card"><h2>${this.t("stats.material_by_month")}</h2>${this.renderMonths(this.months)}</div>`:l}
            ${this.maintenance?a`<h2>${this.t("stats.maintenance")}</h2>${this.renderMaintenance(this.maintenance)}`:l}`}`}};Y.properties={...m.properties,stats:{state:!0},months:{state:!0},maintenance:{state:!0},period:{state:!0}},Y.styles=[b,f`
      .card {
        margin-bottom: 16px;
      }
      h2 {
        font-size: 1.1em;
        font-weight: 500;
        margin: 0 0 12px;
      }
      h3 {
        font-size: 1em;
        font-weight: 500;
        margin: 0 0 8px;
        display: flex;
        gap: 8px;
        align-items: center;
      }
      td.rate {
        min-width: 110px;
      }
      .meter {
        display: block;
        height: 6px;
        margin-top: 4px;
        border-radius: 3px;
        background: var(--divider-color, #ddd);
        overflow: hidden;
      }
      .meter span {
        display: block;
        height: 100%;
        background: var(--primary-color, #03a9f4);
      }
      .months {
        display: flex;
        gap: 6px;
        align-items: flex-end;
        overflow-x: auto;
      }
      .month {
        display: flex;
        flex-direction: column;
        align-items: center;
        min-width: 44px;
        max-width: 72px;
        flex: 1;
      }
      .month svg {
        width: 100%;
        display: block;
      }
      .month rect {
        fill: var(--primary-color, #03a9f4);
      }
      .month .grams,
      .month .label {
        font-size: 0.8em;
        white-space: nowrap;
        font-variant-numeric: tabular-nums;
      }
      .maintenance {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
        gap: 12px;
      }
      .maintenance ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .maintenance li {
        display: grid;
        grid-template-columns: auto 1fr;
        column-gap: 8px;
        padding: 4px 0;
        --mdc-icon-size: 18px;
      }
      .maintenance li .muted {
        grid-column: 2;
        font-size: 0.85em;
      }
      .maintenance li.due .task-name {
        font-weight: 500;
        color: var(--warning-color, #ff9800);
      }
      .chip.due {
        background: var(--warning-color, #ff9800);
        color: #fff;
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
      }
    `];customElements.define("printernizer-stats",Y);var $=[{id:"farm",tag:"printernizer-farm",icon:"mdi:printer-3d",label:"view_farm"},{id:"jobs",tag:"printernizer-jobs",icon:"mdi:format-list-bulleted",label:"view_jobs"},{id:"queue",tag:"printernizer-queue",icon:"mdi:tray-full",label:"view_queue"},{id:"files",tag:"printernizer-files",icon:"mdi:folder-multiple-outline",label:"view_files"},{id:"costs",tag:"printernizer-costs",icon:"mdi:cash-multiple",label:"view_costs"},{id:"stats",tag:"printernizer-stats",icon:"mdi:chart-bar",label:"view_stats"}];var Z=class extends y{constructor(){super();this.live=new rt;this.narrow=!1,this.view=$[0].id}connectedCallback(){super.connectedCallback(),this.hass&&this.subscribe()}disconnectedCallback(){super.disconnectedCallback();let e=this.unsubscribe;this.unsubscribe=void 0,e?.then(i=>i()).catch(()=>{})}willUpdate(e){if(e.has("hass")&&this.hass&&!e.get("hass")&&(this.subscribe(),this.hass.loadBackendTranslation?.("exceptions","printernizer")),e.has("route")&&this.route){let i=this.route.path.split("/")[1];this.view=$.some(s=>s.id===i)?i:$[0].id}}subscribe(){this.unsubscribe||!this.isConnected||(this.unsubscribe=this.hass.connection.subscribeMessage(e=>this.live.emit(e),{type:"printernizer/subscribe"}),this.unsubscribe.catch(()=>{this.unsubscribe=void 0}))}select(e){if(e===this.view)return;this.view=e;let i=this.route?.prefix??"/printernizer";history.pushState(null,"",`${i}/${e}`),window.dispatchEvent(new CustomEvent("location-changed",{detail:{replace:!1}}))}onTabKey(e){let i=$.findIndex(n=>n.id===this.view),s=i;if(e.key==="ArrowRight")s=(i+1)%$.length;else if(e.key==="ArrowLeft")s=(i-1+$.length)%$.length;else if(e.key==="Home")s=0;else if(e.key==="End")s=$.length-1;else return;e.preventDefault(),this.select($[s].id),this.updateComplete.then(()=>this.shadowRoot.querySelector(`button[data-view="${$[s].id}"]`)?.focus())}toggleMenu(){this.dispatchEvent(new CustomEvent("hass-toggle-menu",{bubbles:!0,composed:!0}))}render(){if(!this.hass)return a``;let e=!this.hass.user?.is_admin,i=$.find(n=>n.id===this.view)??$[0],s=It(i.tag);return a`<header class="toolbar">
        ${this.narrow?a`<button class="menu" aria-label=${M(this.hass,"menu")} @click=${this.toggleMenu}>
              <ha-icon icon="mdi:menu"></ha-icon>
            </button>`:null}
        <h1>${M(this.hass,"title")}</h1>
        ${e?a`<span class="chip">${M(this.hass,"read_only")}</span>`:null}
      </header>
      <nav role="tablist" aria-label=${M(this.hass,"title")} @keydown=${this.onTabKey}>
        ${$.map(n=>a`<button
            role="tab"
            data-view=${n.id}
            aria-selected=${n.id===i.id?"true":"false"}
            tabindex=${n.id===i.id?"0":"-1"}
            @click=${()=>this.select(n.id)}
          >
            <ha-icon icon=${n.icon}></ha-icon><span>${M(this.hass,n.label)}</span>
          </button>`)}
      </nav>
      <main role="tabpanel">
        ${Kt`<${s} .hass=${this.hass} .narrow=${this.narrow} .readOnly=${e} .live=${this.live}></${s}>`}
      </main>`}};Z.properties={hass:{attribute:!1},narrow:{type:Boolean},route:{attribute:!1},view:{state:!0}},Z.styles=[b,f`
      :host {
        min-height: 100vh;
        background: var(--primary-background-color);
      }
      .toolbar {
        display: flex;
        align-items: center;
        gap: 8px;
        height: var(--header-height, 56px);
        padding: 0 16px;
        box-sizing: border-box;
        background: var(--app-header-background-color, var(--primary-color));
        color: var(--app-header-text-color, var(--text-primary-color, #fff));
        border-bottom: var(--app-header-border-bottom, none);
      }
      .toolbar h1 {
        margin: 0;
        font-size: 20px;
        font-weight: 400;
        flex: 1;
      }
      .toolbar .chip {
        color: inherit;
        background: rgba(255, 255, 255, 0.2);
      }
      button.menu {
        border: none;
        color: inherit;
        padding: 8px;
        margin-left: -8px;
        --mdc-icon-size: 24px;
      }
      nav {
        display: flex;
        gap: 4px;
        padding: 0 8px;
        overflow-x: auto;
        background: var(--app-header-background-color, var(--primary-color));
        border-bottom: 1px solid var(--divider-color);
      }
      nav button {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        border: none;
        border-radius: 0;
        border-bottom: 2px solid transparent;
        padding: 10px 14px;
        color: var(--app-header-text-color, var(--text-primary-color, #fff));
        opacity: 0.8;
        white-space: nowrap;
      }
      nav button[aria-selected="true"] {
        opacity: 1;
        border-bottom-color: var(--app-header-text-color, var(--text-primary-color, #fff));
      }
      main {
        padding: 16px;
        max-width: 1280px;
        margin: 0 auto;
        box-sizing: border-box;
      }
      @media (max-width: 600px) {
        main {
          padding: 12px 8px;
        }
        nav button {
          padding: 10px 10px;
        }
      }
    `];customElements.define("printernizer-panel",Z);export{Z as PrinternizerPanel};
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/static.js:
  (**
   * @license
   * Copyright 2020 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
