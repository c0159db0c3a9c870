// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package contract

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// BulletinBoardMetaData contains all meta data concerning the BulletinBoard contract.
var BulletinBoardMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"internalType\":\"uint8\",\"name\":\"from\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"to\",\"type\":\"uint8\"}],\"name\":\"BadPhaseTransition\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"EmptyBatch\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint8\",\"name\":\"phase\",\"type\":\"uint8\"}],\"name\":\"InvalidInitialPhase\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"kinds\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"payloads\",\"type\":\"uint256\"}],\"name\":\"LengthMismatch\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint16\",\"name\":\"kind\",\"type\":\"uint16\"}],\"name\":\"MalformedPayload\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"poster\",\"type\":\"address\"},{\"internalType\":\"uint16\",\"name\":\"kind\",\"type\":\"uint16\"}],\"name\":\"NotAuthorized\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"size\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"limit\",\"type\":\"uint256\"}],\"name\":\"PayloadTooLarge\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"}],\"name\":\"TopicExists\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint16\",\"name\":\"kind\",\"type\":\"uint16\"}],\"name\":\"UnknownKind\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"}],\"name\":\"UnknownTopic\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"internalType\":\"uint8\",\"name\":\"phase\",\"type\":\"uint8\"},{\"internalType\":\"uint16\",\"name\":\"kind\",\"type\":\"uint16\"}],\"name\":\"WrongPhase\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAddress\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnerChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"poster\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint16\",\"name\":\"kind\",\"type\":\"uint16\"},{\"indexed\":false,\"internalType\":\"bytes\",\"name\":\"payload\",\"type\":\"bytes\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"head\",\"type\":\"bytes32\"}],\"name\":\"Posted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"poster\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"kinds\",\"type\":\"uint256\"}],\"name\":\"PosterSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint8\",\"name\":\"phase\",\"type\":\"uint8\"}],\"name\":\"TopicCreated\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"CHUNKABLE_KINDS\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"DEPLOYED_AT\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"KNOWN_KINDS\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"MAX_PAYLOAD\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint8\",\"name\":\"phase\",\"type\":\"uint8\"}],\"name\":\"allowedKinds\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"internalType\":\"uint16\",\"name\":\"kind\",\"type\":\"uint16\"},{\"internalType\":\"bytes\",\"name\":\"payload\",\"type\":\"bytes\"}],\"name\":\"append\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"internalType\":\"uint16[]\",\"name\":\"kinds\",\"type\":\"uint16[]\"},{\"internalType\":\"bytes[]\",\"name\":\"payloads\",\"type\":\"bytes[]\"}],\"name\":\"appendBatch\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"first\",\"type\":\"uint64\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"internalType\":\"uint8\",\"name\":\"phase\",\"type\":\"uint8\"}],\"name\":\"createTopic\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"poster\",\"type\":\"address\"}],\"name\":\"posterKinds\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"setOwner\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"poster\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"kinds\",\"type\":\"uint256\"}],\"name\":\"setPoster\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"}],\"name\":\"topicHead\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"head\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"count\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"topic\",\"type\":\"bytes32\"}],\"name\":\"topicInfo\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"uint8\",\"name\":\"phase\",\"type\":\"uint8\"},{\"internalType\":\"bytes32\",\"name\":\"head\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"count\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "BulletinBoard",
	Bin: "0x60a08060405234602b57436001600160401b0316608052610ba0908161003082396080518161059b0152f35b5f80fdfe6080806040526004361015610012575f80fd5b5f3560e01c9081633915c3fb146106fa575080634c135d9e1461067e5780635b0fc9c3146105bf5780636ebb8cd21461057c578063988843e7146105505780639b65ab9c146104245780639f76477d146103c3578063c96b2bf014610392578063ca72117614610352578063cfdd2b7314610335578063d41ec56f14610311578063e8e84d28146102cd5763e9a8873e146100ab575f80fd5b3461028f57606036600319011261028f576004356024356001600160401b03811161028f576100de9036906004016107f6565b90916044356001600160401b03811161028f576100ff9036906004016107f6565b92909381156102be578184036102a7579190815f525f60205260405f2090610127838361090f565b97919690969287968996805f52600160205260405f2060018060a01b0333165f5260205260405f2054925f95601e1981360301905b8288106101cb5750505060208a8a8a60ff8f6001600160401b0360018e8e81550194166001600160401b03198554161784551660ff8216036101ac575b50506001600160401b0360405191168152f35b815460ff60401b191660409190911b60ff60401b161790558280610199565b909192939495969a97878c1015610293578b60051b8201358381121561028f5782018035906001600160401b03821161028f57602001813603811361028f578a8e9d838f8c61021c86928c8f61089b565b610225906108ab565b90610230948d610951565b9d61023c90888b61089b565b610245906108ab565b906102509489610afe565b976001600160401b03166001600160401b03811461027b5760018091019b019695949392919061015c565b634e487b7160e01b5f52601160045260245ffd5b5f80fd5b634e487b7160e01b5f52603260045260245ffd5b83826355c5b3e360e11b5f5260045260245260445ffd5b63c2e5347d60e01b5f5260045ffd5b3461028f57604036600319011261028f576102e66107e0565b6004355f52600160205260405f209060018060a01b03165f52602052602060405f2054604051908152f35b3461028f575f36600319011261028f5760405168ff0000000000007efe8152602090f35b3461028f575f36600319011261028f5760206040516201e0008152f35b3461028f57602036600319011261028f5760406001600160401b03610382600435805f525f602052835f2061090f565b5083519182529091166020820152f35b3461028f57602036600319011261028f5760043560ff8116810361028f576103bb602091610826565b604051908152f35b3461028f57602036600319011261028f57608060ff6001600160401b03600435805f525f6020526103f860405f20918261090f565b9490926001808060a01b0391015460481c16946040519586521660208501526040840152166060820152f35b3461028f57606036600319011261028f5760243560043561ffff8216820361028f576044356001600160401b03811161028f573660238201121561028f5780600401356001600160401b03811161028f576024820191602482369201011161028f57826104e36001600160401b0392825f525f60205260405f20948782826104dd6104af888b61090f565b9d8a8f839c5f989597949852600160205260405f2060018060a01b0333165f5260205260405f205491610951565b99610afe565b8355169160018301916001600160401b03831161027b576020946001600160401b03600160ff930194166001600160401b03198554161784551660ff821603610531575b5050604051908152f35b815460ff60401b191660409190911b60ff60401b161790558280610527565b3461028f575f36600319011261028f576020700300000000000000ff0000000000007ffe604051908152f35b3461028f575f36600319011261028f5760206040516001600160401b037f0000000000000000000000000000000000000000000000000000000000000000168152f35b3461028f57604036600319011261028f576004356105db6107e0565b6105e4826108ba565b916001600160a01b038216801561066f57600161066d94019160018060a01b03835460481c16907f06e9c07310f63759634ddbb7257dbb19ca404f90bd6bdef1d3386fab033cebce5f80a480547fffffff0000000000000000000000000000000000000000ffffffffffffffffff1660489290921b600160481b600160e81b0316919091179055565b005b63d92e233d60e01b5f5260045ffd5b3461028f57606036600319011261028f5760043561069a6107e0565b907f87bf52ee19b0eb3edd941f6f8ea524d055cd3e8e2284e6147333611a6802d3f36020604435936106cb846108ba565b505f8481526001835260408082206001600160a01b0393909316808352928452908190208690555194855293a3005b3461028f57604036600319011261028f5760043560243560ff81169081810361028f576001821415806107d5575b6107c2575f838152602081905260409020600101805460481c6001600160a01b03166107af57805468010000000000000000600160e81b031916600160481b600160e81b033360481b161760409290921b60ff60401b1691909117905582527f4ac164b9affa7261a66ec80e2129c28b11478f7e076f8e6f52c6541d9faba12e60203393a3005b83632566936560e01b5f5260045260245ffd5b506361babf5560e01b5f5260045260245ffd5b506007821415610728565b602435906001600160a01b038216820361028f57565b9181601f8401121561028f578235916001600160401b03831161028f576020808501948460051b01011161028f57565b60ff1660018114610894576002811461088d576003811461087f57600481146108785760058114610871576006811461086c57600714610864575f90565b60ff60401b90565b505f90565b5061710090565b5061090090565b506880000000000000070090565b506101fc90565b5061018690565b91908110156102935760051b0190565b3561ffff8116810361028f5790565b90815f525f60205260405f209160018060a01b03600184015460481c1680156108fc5733036108e65750565b630e25346d60e01b5f526004523360245260445ffd5b5063e468c00560e01b5f5260045260245ffd5b600181015491604883901c6001600160a01b03161561093f5750549160ff6001600160401b0383169260401c1690565b63e468c00560e01b5f5260045260245ffd5b9392919490946201e0008211610ae45761ffff8316926101008410801590610ac6575b610ab357608084148015610aa9575b610a45575b61ffff1690811c60011615610a2b5760016109a287610826565b821c1615610a0e575060088203610a0757156109f5575060ff903560f81c9216906001820160ff811161027b5760ff1683036109dd57505090565b636253f5b160e01b5f5260045260245260445260645ffd5b633c7c64a360e21b5f5260045260245ffd5b5050505090565b60ff86866351cbf0cb60e11b5f526004521660245260445260645ffd5b84633aec5a7760e11b5f526004523360245260445260645ffd5b5060028210610a96578160021161028f57833560f01c6101008110801590610a80575b156109885783633c7c64a360e21b5f5260045260245ffd5b5068ff0000000000007efe811c60011615610a68565b82633c7c64a360e21b5f5260045260245ffd5b5060818414610983565b836381423b9960e01b5f5260045260245ffd5b506001700300000000000000ff0000000000007ffe851c1615610974565b506301091d5960e21b5f526004526201e00060245260445ffd5b919361ffff9695937f5e64010e6e6f8a98cf24e16d222df7c2f0c199d5785ba7b01fd3927bd6d5447e92856040519381608086019182372090835260606020840186815260408501926001600160401b0360c01b8a60c01b1684528b60f01b8560f01b166048870152604a860152606a85209a8b9416855252528360608201525f608085830101526001600160401b0333951693601f801991011660800190a456",
}

// BulletinBoard is an auto generated Go binding around an Ethereum contract.
type BulletinBoard struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *BulletinBoard) GetABI() abi.ABI {
	return c.abi
}

// NewBulletinBoard creates a new instance of BulletinBoard.
func NewBulletinBoard() *BulletinBoard {
	parsed, err := BulletinBoardMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &BulletinBoard{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *BulletinBoard) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackCHUNKABLEKINDS is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd41ec56f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function CHUNKABLE_KINDS() view returns(uint256)
func (bulletinBoard *BulletinBoard) PackCHUNKABLEKINDS() []byte {
	enc, err := bulletinBoard.abi.Pack("CHUNKABLE_KINDS")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCHUNKABLEKINDS is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd41ec56f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function CHUNKABLE_KINDS() view returns(uint256)
func (bulletinBoard *BulletinBoard) TryPackCHUNKABLEKINDS() ([]byte, error) {
	return bulletinBoard.abi.Pack("CHUNKABLE_KINDS")
}

// UnpackCHUNKABLEKINDS is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xd41ec56f.
//
// Solidity: function CHUNKABLE_KINDS() view returns(uint256)
func (bulletinBoard *BulletinBoard) UnpackCHUNKABLEKINDS(data []byte) (*big.Int, error) {
	out, err := bulletinBoard.abi.Unpack("CHUNKABLE_KINDS", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackDEPLOYEDAT is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6ebb8cd2.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function DEPLOYED_AT() view returns(uint64)
func (bulletinBoard *BulletinBoard) PackDEPLOYEDAT() []byte {
	enc, err := bulletinBoard.abi.Pack("DEPLOYED_AT")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDEPLOYEDAT is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6ebb8cd2.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function DEPLOYED_AT() view returns(uint64)
func (bulletinBoard *BulletinBoard) TryPackDEPLOYEDAT() ([]byte, error) {
	return bulletinBoard.abi.Pack("DEPLOYED_AT")
}

// UnpackDEPLOYEDAT is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x6ebb8cd2.
//
// Solidity: function DEPLOYED_AT() view returns(uint64)
func (bulletinBoard *BulletinBoard) UnpackDEPLOYEDAT(data []byte) (uint64, error) {
	out, err := bulletinBoard.abi.Unpack("DEPLOYED_AT", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackKNOWNKINDS is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x988843e7.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function KNOWN_KINDS() view returns(uint256)
func (bulletinBoard *BulletinBoard) PackKNOWNKINDS() []byte {
	enc, err := bulletinBoard.abi.Pack("KNOWN_KINDS")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackKNOWNKINDS is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x988843e7.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function KNOWN_KINDS() view returns(uint256)
func (bulletinBoard *BulletinBoard) TryPackKNOWNKINDS() ([]byte, error) {
	return bulletinBoard.abi.Pack("KNOWN_KINDS")
}

// UnpackKNOWNKINDS is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x988843e7.
//
// Solidity: function KNOWN_KINDS() view returns(uint256)
func (bulletinBoard *BulletinBoard) UnpackKNOWNKINDS(data []byte) (*big.Int, error) {
	out, err := bulletinBoard.abi.Unpack("KNOWN_KINDS", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackMAXPAYLOAD is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcfdd2b73.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function MAX_PAYLOAD() view returns(uint256)
func (bulletinBoard *BulletinBoard) PackMAXPAYLOAD() []byte {
	enc, err := bulletinBoard.abi.Pack("MAX_PAYLOAD")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMAXPAYLOAD is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcfdd2b73.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function MAX_PAYLOAD() view returns(uint256)
func (bulletinBoard *BulletinBoard) TryPackMAXPAYLOAD() ([]byte, error) {
	return bulletinBoard.abi.Pack("MAX_PAYLOAD")
}

// UnpackMAXPAYLOAD is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xcfdd2b73.
//
// Solidity: function MAX_PAYLOAD() view returns(uint256)
func (bulletinBoard *BulletinBoard) UnpackMAXPAYLOAD(data []byte) (*big.Int, error) {
	out, err := bulletinBoard.abi.Unpack("MAX_PAYLOAD", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackAllowedKinds is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc96b2bf0.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function allowedKinds(uint8 phase) pure returns(uint256)
func (bulletinBoard *BulletinBoard) PackAllowedKinds(phase uint8) []byte {
	enc, err := bulletinBoard.abi.Pack("allowedKinds", phase)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAllowedKinds is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc96b2bf0.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function allowedKinds(uint8 phase) pure returns(uint256)
func (bulletinBoard *BulletinBoard) TryPackAllowedKinds(phase uint8) ([]byte, error) {
	return bulletinBoard.abi.Pack("allowedKinds", phase)
}

// UnpackAllowedKinds is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xc96b2bf0.
//
// Solidity: function allowedKinds(uint8 phase) pure returns(uint256)
func (bulletinBoard *BulletinBoard) UnpackAllowedKinds(data []byte) (*big.Int, error) {
	out, err := bulletinBoard.abi.Unpack("allowedKinds", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackAppend is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9b65ab9c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function append(bytes32 topic, uint16 kind, bytes payload) returns(uint64 seq)
func (bulletinBoard *BulletinBoard) PackAppend(topic [32]byte, kind uint16, payload []byte) []byte {
	enc, err := bulletinBoard.abi.Pack("append", topic, kind, payload)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAppend is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9b65ab9c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function append(bytes32 topic, uint16 kind, bytes payload) returns(uint64 seq)
func (bulletinBoard *BulletinBoard) TryPackAppend(topic [32]byte, kind uint16, payload []byte) ([]byte, error) {
	return bulletinBoard.abi.Pack("append", topic, kind, payload)
}

// UnpackAppend is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x9b65ab9c.
//
// Solidity: function append(bytes32 topic, uint16 kind, bytes payload) returns(uint64 seq)
func (bulletinBoard *BulletinBoard) UnpackAppend(data []byte) (uint64, error) {
	out, err := bulletinBoard.abi.Unpack("append", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackAppendBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe9a8873e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function appendBatch(bytes32 topic, uint16[] kinds, bytes[] payloads) returns(uint64 first)
func (bulletinBoard *BulletinBoard) PackAppendBatch(topic [32]byte, kinds []uint16, payloads [][]byte) []byte {
	enc, err := bulletinBoard.abi.Pack("appendBatch", topic, kinds, payloads)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAppendBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe9a8873e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function appendBatch(bytes32 topic, uint16[] kinds, bytes[] payloads) returns(uint64 first)
func (bulletinBoard *BulletinBoard) TryPackAppendBatch(topic [32]byte, kinds []uint16, payloads [][]byte) ([]byte, error) {
	return bulletinBoard.abi.Pack("appendBatch", topic, kinds, payloads)
}

// UnpackAppendBatch is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe9a8873e.
//
// Solidity: function appendBatch(bytes32 topic, uint16[] kinds, bytes[] payloads) returns(uint64 first)
func (bulletinBoard *BulletinBoard) UnpackAppendBatch(data []byte) (uint64, error) {
	out, err := bulletinBoard.abi.Unpack("appendBatch", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackCreateTopic is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3915c3fb.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function createTopic(bytes32 topic, uint8 phase) returns()
func (bulletinBoard *BulletinBoard) PackCreateTopic(topic [32]byte, phase uint8) []byte {
	enc, err := bulletinBoard.abi.Pack("createTopic", topic, phase)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCreateTopic is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3915c3fb.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function createTopic(bytes32 topic, uint8 phase) returns()
func (bulletinBoard *BulletinBoard) TryPackCreateTopic(topic [32]byte, phase uint8) ([]byte, error) {
	return bulletinBoard.abi.Pack("createTopic", topic, phase)
}

// PackPosterKinds is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe8e84d28.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function posterKinds(bytes32 topic, address poster) view returns(uint256)
func (bulletinBoard *BulletinBoard) PackPosterKinds(topic [32]byte, poster common.Address) []byte {
	enc, err := bulletinBoard.abi.Pack("posterKinds", topic, poster)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPosterKinds is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe8e84d28.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function posterKinds(bytes32 topic, address poster) view returns(uint256)
func (bulletinBoard *BulletinBoard) TryPackPosterKinds(topic [32]byte, poster common.Address) ([]byte, error) {
	return bulletinBoard.abi.Pack("posterKinds", topic, poster)
}

// UnpackPosterKinds is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe8e84d28.
//
// Solidity: function posterKinds(bytes32 topic, address poster) view returns(uint256)
func (bulletinBoard *BulletinBoard) UnpackPosterKinds(data []byte) (*big.Int, error) {
	out, err := bulletinBoard.abi.Unpack("posterKinds", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackSetOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5b0fc9c3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setOwner(bytes32 topic, address newOwner) returns()
func (bulletinBoard *BulletinBoard) PackSetOwner(topic [32]byte, newOwner common.Address) []byte {
	enc, err := bulletinBoard.abi.Pack("setOwner", topic, newOwner)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5b0fc9c3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setOwner(bytes32 topic, address newOwner) returns()
func (bulletinBoard *BulletinBoard) TryPackSetOwner(topic [32]byte, newOwner common.Address) ([]byte, error) {
	return bulletinBoard.abi.Pack("setOwner", topic, newOwner)
}

// PackSetPoster is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4c135d9e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setPoster(bytes32 topic, address poster, uint256 kinds) returns()
func (bulletinBoard *BulletinBoard) PackSetPoster(topic [32]byte, poster common.Address, kinds *big.Int) []byte {
	enc, err := bulletinBoard.abi.Pack("setPoster", topic, poster, kinds)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetPoster is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4c135d9e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setPoster(bytes32 topic, address poster, uint256 kinds) returns()
func (bulletinBoard *BulletinBoard) TryPackSetPoster(topic [32]byte, poster common.Address, kinds *big.Int) ([]byte, error) {
	return bulletinBoard.abi.Pack("setPoster", topic, poster, kinds)
}

// PackTopicHead is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xca721176.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function topicHead(bytes32 topic) view returns(bytes32 head, uint64 count)
func (bulletinBoard *BulletinBoard) PackTopicHead(topic [32]byte) []byte {
	enc, err := bulletinBoard.abi.Pack("topicHead", topic)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTopicHead is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xca721176.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function topicHead(bytes32 topic) view returns(bytes32 head, uint64 count)
func (bulletinBoard *BulletinBoard) TryPackTopicHead(topic [32]byte) ([]byte, error) {
	return bulletinBoard.abi.Pack("topicHead", topic)
}

// TopicHeadOutput serves as a container for the return parameters of contract
// method TopicHead.
type TopicHeadOutput struct {
	Head  [32]byte
	Count uint64
}

// UnpackTopicHead is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xca721176.
//
// Solidity: function topicHead(bytes32 topic) view returns(bytes32 head, uint64 count)
func (bulletinBoard *BulletinBoard) UnpackTopicHead(data []byte) (TopicHeadOutput, error) {
	out, err := bulletinBoard.abi.Unpack("topicHead", data)
	outstruct := new(TopicHeadOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Head = *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	outstruct.Count = *abi.ConvertType(out[1], new(uint64)).(*uint64)
	return *outstruct, nil
}

// PackTopicInfo is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9f76477d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function topicInfo(bytes32 topic) view returns(address owner, uint8 phase, bytes32 head, uint64 count)
func (bulletinBoard *BulletinBoard) PackTopicInfo(topic [32]byte) []byte {
	enc, err := bulletinBoard.abi.Pack("topicInfo", topic)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTopicInfo is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9f76477d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function topicInfo(bytes32 topic) view returns(address owner, uint8 phase, bytes32 head, uint64 count)
func (bulletinBoard *BulletinBoard) TryPackTopicInfo(topic [32]byte) ([]byte, error) {
	return bulletinBoard.abi.Pack("topicInfo", topic)
}

// TopicInfoOutput serves as a container for the return parameters of contract
// method TopicInfo.
type TopicInfoOutput struct {
	Owner common.Address
	Phase uint8
	Head  [32]byte
	Count uint64
}

// UnpackTopicInfo is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x9f76477d.
//
// Solidity: function topicInfo(bytes32 topic) view returns(address owner, uint8 phase, bytes32 head, uint64 count)
func (bulletinBoard *BulletinBoard) UnpackTopicInfo(data []byte) (TopicInfoOutput, error) {
	out, err := bulletinBoard.abi.Unpack("topicInfo", data)
	outstruct := new(TopicInfoOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Owner = *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	outstruct.Phase = *abi.ConvertType(out[1], new(uint8)).(*uint8)
	outstruct.Head = *abi.ConvertType(out[2], new([32]byte)).(*[32]byte)
	outstruct.Count = *abi.ConvertType(out[3], new(uint64)).(*uint64)
	return *outstruct, nil
}

// BulletinBoardOwnerChanged represents a OwnerChanged event raised by the BulletinBoard contract.
type BulletinBoardOwnerChanged struct {
	Topic         [32]byte
	PreviousOwner common.Address
	NewOwner      common.Address
	Raw           *types.Log // Blockchain specific contextual infos
}

const BulletinBoardOwnerChangedEventName = "OwnerChanged"

// ContractEventName returns the user-defined event name.
func (BulletinBoardOwnerChanged) ContractEventName() string {
	return BulletinBoardOwnerChangedEventName
}

// UnpackOwnerChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OwnerChanged(bytes32 indexed topic, address indexed previousOwner, address indexed newOwner)
func (bulletinBoard *BulletinBoard) UnpackOwnerChangedEvent(log *types.Log) (*BulletinBoardOwnerChanged, error) {
	event := "OwnerChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != bulletinBoard.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(BulletinBoardOwnerChanged)
	if len(log.Data) > 0 {
		if err := bulletinBoard.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range bulletinBoard.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// BulletinBoardPosted represents a Posted event raised by the BulletinBoard contract.
type BulletinBoardPosted struct {
	Topic   [32]byte
	Seq     uint64
	Poster  common.Address
	Kind    uint16
	Payload []byte
	Head    [32]byte
	Raw     *types.Log // Blockchain specific contextual infos
}

const BulletinBoardPostedEventName = "Posted"

// ContractEventName returns the user-defined event name.
func (BulletinBoardPosted) ContractEventName() string {
	return BulletinBoardPostedEventName
}

// UnpackPostedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Posted(bytes32 indexed topic, uint64 indexed seq, address indexed poster, uint16 kind, bytes payload, bytes32 head)
func (bulletinBoard *BulletinBoard) UnpackPostedEvent(log *types.Log) (*BulletinBoardPosted, error) {
	event := "Posted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != bulletinBoard.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(BulletinBoardPosted)
	if len(log.Data) > 0 {
		if err := bulletinBoard.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range bulletinBoard.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// BulletinBoardPosterSet represents a PosterSet event raised by the BulletinBoard contract.
type BulletinBoardPosterSet struct {
	Topic  [32]byte
	Poster common.Address
	Kinds  *big.Int
	Raw    *types.Log // Blockchain specific contextual infos
}

const BulletinBoardPosterSetEventName = "PosterSet"

// ContractEventName returns the user-defined event name.
func (BulletinBoardPosterSet) ContractEventName() string {
	return BulletinBoardPosterSetEventName
}

// UnpackPosterSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event PosterSet(bytes32 indexed topic, address indexed poster, uint256 kinds)
func (bulletinBoard *BulletinBoard) UnpackPosterSetEvent(log *types.Log) (*BulletinBoardPosterSet, error) {
	event := "PosterSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != bulletinBoard.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(BulletinBoardPosterSet)
	if len(log.Data) > 0 {
		if err := bulletinBoard.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range bulletinBoard.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// BulletinBoardTopicCreated represents a TopicCreated event raised by the BulletinBoard contract.
type BulletinBoardTopicCreated struct {
	Topic [32]byte
	Owner common.Address
	Phase uint8
	Raw   *types.Log // Blockchain specific contextual infos
}

const BulletinBoardTopicCreatedEventName = "TopicCreated"

// ContractEventName returns the user-defined event name.
func (BulletinBoardTopicCreated) ContractEventName() string {
	return BulletinBoardTopicCreatedEventName
}

// UnpackTopicCreatedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event TopicCreated(bytes32 indexed topic, address indexed owner, uint8 phase)
func (bulletinBoard *BulletinBoard) UnpackTopicCreatedEvent(log *types.Log) (*BulletinBoardTopicCreated, error) {
	event := "TopicCreated"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != bulletinBoard.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(BulletinBoardTopicCreated)
	if len(log.Data) > 0 {
		if err := bulletinBoard.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range bulletinBoard.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (bulletinBoard *BulletinBoard) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["BadPhaseTransition"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackBadPhaseTransitionError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["EmptyBatch"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackEmptyBatchError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["InvalidInitialPhase"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackInvalidInitialPhaseError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["LengthMismatch"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackLengthMismatchError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["MalformedPayload"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackMalformedPayloadError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["NotAuthorized"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackNotAuthorizedError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["NotOwner"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackNotOwnerError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["PayloadTooLarge"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackPayloadTooLargeError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["TopicExists"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackTopicExistsError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["UnknownKind"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackUnknownKindError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["UnknownTopic"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackUnknownTopicError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["WrongPhase"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackWrongPhaseError(raw[4:])
	}
	if bytes.Equal(raw[:4], bulletinBoard.abi.Errors["ZeroAddress"].ID.Bytes()[:4]) {
		return bulletinBoard.UnpackZeroAddressError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// BulletinBoardBadPhaseTransition represents a BadPhaseTransition error raised by the BulletinBoard contract.
type BulletinBoardBadPhaseTransition struct {
	Topic [32]byte
	From  uint8
	To    uint8
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BadPhaseTransition(bytes32 topic, uint8 from, uint8 to)
func BulletinBoardBadPhaseTransitionErrorID() common.Hash {
	return common.HexToHash("0x6253f5b1830776ba34e960c9f701597c9d1628ab7129ce66ad50c778335cd608")
}

// UnpackBadPhaseTransitionError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BadPhaseTransition(bytes32 topic, uint8 from, uint8 to)
func (bulletinBoard *BulletinBoard) UnpackBadPhaseTransitionError(raw []byte) (*BulletinBoardBadPhaseTransition, error) {
	out := new(BulletinBoardBadPhaseTransition)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "BadPhaseTransition", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardEmptyBatch represents a EmptyBatch error raised by the BulletinBoard contract.
type BulletinBoardEmptyBatch struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error EmptyBatch()
func BulletinBoardEmptyBatchErrorID() common.Hash {
	return common.HexToHash("0xc2e5347df6cf8d1bf68f8a9651642312bd381b900d857d97cd665976180d6ae0")
}

// UnpackEmptyBatchError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error EmptyBatch()
func (bulletinBoard *BulletinBoard) UnpackEmptyBatchError(raw []byte) (*BulletinBoardEmptyBatch, error) {
	out := new(BulletinBoardEmptyBatch)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "EmptyBatch", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardInvalidInitialPhase represents a InvalidInitialPhase error raised by the BulletinBoard contract.
type BulletinBoardInvalidInitialPhase struct {
	Phase uint8
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidInitialPhase(uint8 phase)
func BulletinBoardInvalidInitialPhaseErrorID() common.Hash {
	return common.HexToHash("0x61babf55343ca25b0821ca61903da7f42a62af7cf6cc29a091b39f931acc0938")
}

// UnpackInvalidInitialPhaseError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidInitialPhase(uint8 phase)
func (bulletinBoard *BulletinBoard) UnpackInvalidInitialPhaseError(raw []byte) (*BulletinBoardInvalidInitialPhase, error) {
	out := new(BulletinBoardInvalidInitialPhase)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "InvalidInitialPhase", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardLengthMismatch represents a LengthMismatch error raised by the BulletinBoard contract.
type BulletinBoardLengthMismatch struct {
	Kinds    *big.Int
	Payloads *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error LengthMismatch(uint256 kinds, uint256 payloads)
func BulletinBoardLengthMismatchErrorID() common.Hash {
	return common.HexToHash("0xab8b67c6893c59617ef3ba4b4b942e9791f2572db2fdb32028356532f3b7396a")
}

// UnpackLengthMismatchError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error LengthMismatch(uint256 kinds, uint256 payloads)
func (bulletinBoard *BulletinBoard) UnpackLengthMismatchError(raw []byte) (*BulletinBoardLengthMismatch, error) {
	out := new(BulletinBoardLengthMismatch)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "LengthMismatch", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardMalformedPayload represents a MalformedPayload error raised by the BulletinBoard contract.
type BulletinBoardMalformedPayload struct {
	Kind uint16
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error MalformedPayload(uint16 kind)
func BulletinBoardMalformedPayloadErrorID() common.Hash {
	return common.HexToHash("0xf1f1928c097ddf2c91b8f0f07ad6f31204b360a027869fafb60d1b01b9bb785a")
}

// UnpackMalformedPayloadError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error MalformedPayload(uint16 kind)
func (bulletinBoard *BulletinBoard) UnpackMalformedPayloadError(raw []byte) (*BulletinBoardMalformedPayload, error) {
	out := new(BulletinBoardMalformedPayload)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "MalformedPayload", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardNotAuthorized represents a NotAuthorized error raised by the BulletinBoard contract.
type BulletinBoardNotAuthorized struct {
	Topic  [32]byte
	Poster common.Address
	Kind   uint16
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotAuthorized(bytes32 topic, address poster, uint16 kind)
func BulletinBoardNotAuthorizedErrorID() common.Hash {
	return common.HexToHash("0x75d8b4ee39814de0023f69e327ba6e88d77b1f32281b4cac3a7f6787ddf6d550")
}

// UnpackNotAuthorizedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotAuthorized(bytes32 topic, address poster, uint16 kind)
func (bulletinBoard *BulletinBoard) UnpackNotAuthorizedError(raw []byte) (*BulletinBoardNotAuthorized, error) {
	out := new(BulletinBoardNotAuthorized)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "NotAuthorized", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardNotOwner represents a NotOwner error raised by the BulletinBoard contract.
type BulletinBoardNotOwner struct {
	Topic  [32]byte
	Caller common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotOwner(bytes32 topic, address caller)
func BulletinBoardNotOwnerErrorID() common.Hash {
	return common.HexToHash("0x0e25346d3923fdf61b8b8de5a7da7267aa43093abc1ce6c52cbd87b4dcd30574")
}

// UnpackNotOwnerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotOwner(bytes32 topic, address caller)
func (bulletinBoard *BulletinBoard) UnpackNotOwnerError(raw []byte) (*BulletinBoardNotOwner, error) {
	out := new(BulletinBoardNotOwner)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "NotOwner", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardPayloadTooLarge represents a PayloadTooLarge error raised by the BulletinBoard contract.
type BulletinBoardPayloadTooLarge struct {
	Size  *big.Int
	Limit *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error PayloadTooLarge(uint256 size, uint256 limit)
func BulletinBoardPayloadTooLargeErrorID() common.Hash {
	return common.HexToHash("0x04247564b724af56f0b7db721a3245c9c84c46c5f579f0c7edea5a56d47ff9ae")
}

// UnpackPayloadTooLargeError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error PayloadTooLarge(uint256 size, uint256 limit)
func (bulletinBoard *BulletinBoard) UnpackPayloadTooLargeError(raw []byte) (*BulletinBoardPayloadTooLarge, error) {
	out := new(BulletinBoardPayloadTooLarge)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "PayloadTooLarge", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardTopicExists represents a TopicExists error raised by the BulletinBoard contract.
type BulletinBoardTopicExists struct {
	Topic [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error TopicExists(bytes32 topic)
func BulletinBoardTopicExistsErrorID() common.Hash {
	return common.HexToHash("0x256693658bede6856d6eb4db3a9dc6e09317c3154f7a1dda65c9fe792a39662a")
}

// UnpackTopicExistsError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error TopicExists(bytes32 topic)
func (bulletinBoard *BulletinBoard) UnpackTopicExistsError(raw []byte) (*BulletinBoardTopicExists, error) {
	out := new(BulletinBoardTopicExists)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "TopicExists", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardUnknownKind represents a UnknownKind error raised by the BulletinBoard contract.
type BulletinBoardUnknownKind struct {
	Kind uint16
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnknownKind(uint16 kind)
func BulletinBoardUnknownKindErrorID() common.Hash {
	return common.HexToHash("0x81423b9986cadf93bff0f6d0af59ab077d64b11e2e64e84f18423f7bc1bfa4b5")
}

// UnpackUnknownKindError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnknownKind(uint16 kind)
func (bulletinBoard *BulletinBoard) UnpackUnknownKindError(raw []byte) (*BulletinBoardUnknownKind, error) {
	out := new(BulletinBoardUnknownKind)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "UnknownKind", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardUnknownTopic represents a UnknownTopic error raised by the BulletinBoard contract.
type BulletinBoardUnknownTopic struct {
	Topic [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnknownTopic(bytes32 topic)
func BulletinBoardUnknownTopicErrorID() common.Hash {
	return common.HexToHash("0xe468c00599c793dc728c1deffe2ffd217ea052d3885c35b113a057f8305ce231")
}

// UnpackUnknownTopicError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnknownTopic(bytes32 topic)
func (bulletinBoard *BulletinBoard) UnpackUnknownTopicError(raw []byte) (*BulletinBoardUnknownTopic, error) {
	out := new(BulletinBoardUnknownTopic)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "UnknownTopic", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardWrongPhase represents a WrongPhase error raised by the BulletinBoard contract.
type BulletinBoardWrongPhase struct {
	Topic [32]byte
	Phase uint8
	Kind  uint16
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error WrongPhase(bytes32 topic, uint8 phase, uint16 kind)
func BulletinBoardWrongPhaseErrorID() common.Hash {
	return common.HexToHash("0xa397e196e7cec78ace521ea64288f2aa5d40777393efe62485018d5b2d462640")
}

// UnpackWrongPhaseError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error WrongPhase(bytes32 topic, uint8 phase, uint16 kind)
func (bulletinBoard *BulletinBoard) UnpackWrongPhaseError(raw []byte) (*BulletinBoardWrongPhase, error) {
	out := new(BulletinBoardWrongPhase)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "WrongPhase", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// BulletinBoardZeroAddress represents a ZeroAddress error raised by the BulletinBoard contract.
type BulletinBoardZeroAddress struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroAddress()
func BulletinBoardZeroAddressErrorID() common.Hash {
	return common.HexToHash("0xd92e233df2717d4a40030e20904abd27b68fcbeede117eaaccbbdac9618c8c73")
}

// UnpackZeroAddressError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroAddress()
func (bulletinBoard *BulletinBoard) UnpackZeroAddressError(raw []byte) (*BulletinBoardZeroAddress, error) {
	out := new(BulletinBoardZeroAddress)
	if err := bulletinBoard.abi.UnpackIntoInterface(out, "ZeroAddress", raw); err != nil {
		return nil, err
	}
	return out, nil
}
